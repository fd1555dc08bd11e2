// What `config validate --cluster` compares between live nodes: the settings that must match
// cluster-wide, the nodes file, the public addresses, the running tunables and the key fingerprint.
import { createHmac } from 'node:crypto'
import type { CorralConfig } from '../config/index.js'
import { NODE_FLAGS_DELETED } from '../cluster/flags.js'
import type { NodeFiles } from './check.js'

/** One node's digest (the ConfigDigestReply fields). */
export interface ConfigDigest {
  pnn: number
  configFile: string
  settings: Record<string, string>
  nodesFile: string
  nodes: string[]
  publicAddressesFile: string
  publicAddresses: string[]
  tunables: Record<string, number>
  keyFingerprint: string
  problems: string[]
}

/**
 * Settings every node must share: the link port (nodes dial each other on it), the cluster lock
 * (two locks mean two leaders), failover disabled and the interfaces mode (the leader's view of
 * who moves addresses, and how, must hold on every node), and events only (a node without the
 * cluster member is not part of it).
 */
export const CLUSTER_WIDE_SETTINGS: ReadonlyArray<readonly [string, (c: CorralConfig) => string]> = [
  ['[cluster] port', c => String(c.cluster.port)],
  ['[cluster] cluster lock', c => c.cluster.lock ?? ''],
  ['[cluster] events only', c => String(c.cluster.eventsOnly)],
  ['[failover] disabled', c => String(c.failover.disabled)],
  ['[failover] interfaces', c => c.failover.interfaces],
]

/** Label of the key fingerprint: the key itself never leaves the node. */
const KEY_LABEL = 'corral cluster key fingerprint v1'

// Why: the daemon answers ConfigDigestRequest with this; the CLI compares the answers.
export function configDigest (f: NodeFiles, pnn: number, runningTunables: Record<string, number>): ConfigDigest {
  return {
    pnn,
    configFile: f.config.file ?? '(defaults)',
    settings: Object.fromEntries(CLUSTER_WIDE_SETTINGS.map(([k, read]) => [k, read(f.config)])),
    nodesFile: f.config.cluster.nodesFile,
    nodes: f.nodes.map(n => (n.flags & NODE_FLAGS_DELETED) !== 0 ? '#' : n.address),
    publicAddressesFile: f.config.failover.publicAddresses,
    publicAddresses: f.addresses.map(a => `${a.ip}/${a.maskbits} ${a.ifaces.join(',')}`).sort(),
    tunables: { ...runningTunables },
    keyFingerprint: f.key === null ? '' : createHmac('sha256', f.key).update(KEY_LABEL).digest('hex').slice(0, 16),
    problems: f.problems.map(p => p.message),
  }
}
