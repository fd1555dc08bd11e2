// `corral status` / `nodestatus` output: CTDB's text, `-X` machine form and JSON object (§5.1,
// §5.2), built from one plain snapshot so the CLI and tests share it. Pure: no I/O.
import {
  NODE_FLAGS_BANNED, NODE_FLAGS_DELETED, NODE_FLAGS_DISCONNECTED, NODE_FLAGS_INACTIVE, NODE_FLAGS_PERMANENTLY_DISABLED,
  NODE_FLAGS_STOPPED, NODE_FLAGS_UNHEALTHY, NODE_FLAGS_UNKNOWN, flagsText, isInactive, nodestatusExitCode, withUnknown,
} from './flags.js'
import { INVALID_GENERATION, generationText } from './generation.js'
import { RecoveryMode, type Runstate, runstateName } from './runstate.js'

/** One node in a status snapshot. */
export interface StatusNode {
  pnn: number
  address: string
  flags: number
  /** Flags 0 but an interface has link down; shown as PARTIALLYONLINE. */
  partiallyOnline?: boolean
}

/** Everything `status` shows, as the queried node sees it. */
export interface StatusSnapshot {
  /** PNN of the node that answered. */
  thisPnn: number
  /** All nodes of the nodes file, deleted ones included, in PNN order. */
  nodes: readonly StatusNode[]
  generation: number
  /** lmaster PNNs of the vnnmap; derived from the flags when absent (active nodes, else the leader). */
  vnnMap?: readonly number[]
  recoveryMode: RecoveryMode
  /** Leader PNN, or null when unknown. */
  leader: number | null
  /** The answering node's runstate: while <= FIRST_RECOVERY other nodes show as UNKNOWN. */
  runstate: Runstate
  /** False when no cluster lock is configured: corral adds a split-brain warning. */
  lockConfigured: boolean
  /** While the answering node leads a recovery: its progress. */
  recoveryProgress?: { dbsDone: number, dbsTotal: number, records: number } | null
  /** The answering node's services: the DEGRADED reason of its last monitor ('' if none) and a count. */
  services?: { degradedReason: string, degradedTotal: number }
}

/** The corral line `status` adds when no cluster lock is configured. */
export const NO_LOCK_WARNING = 'WARNING: no cluster lock configured: split brain is possible if the network partitions (see docs/cluster.md)'

// Why: every output form shows the same flags, with UNKNOWN applied while the queried node starts.
function displayed (s: StatusSnapshot): StatusNode[] {
  return withUnknown(s.nodes, s.thisPnn, s.runstate)
}

// Why: CTDB's vnnmap is the active nodes in PNN order, or the leader alone if none is active.
export function vnnMapOf (s: StatusSnapshot): number[] {
  if (s.vnnMap !== undefined) return [...s.vnnMap]
  if (s.generation === INVALID_GENERATION) return []
  const active = s.nodes.filter(n => !isInactive(n.flags)).map(n => n.pnn)
  return active.length > 0 ? active : s.leader === null ? [] : [s.leader]
}

function nodeLines (nodes: readonly StatusNode[], thisPnn: number, header: boolean): string[] {
  const lines: string[] = []
  if (header) {
    const deleted = nodes.filter(n => (n.flags & NODE_FLAGS_DELETED) !== 0).length
    lines.push(deleted === 0 ? `Number of nodes:${nodes.length}` : `Number of nodes:${nodes.length} (including ${deleted} deleted nodes)`)
  }
  for (const n of nodes) {
    if ((n.flags & NODE_FLAGS_DELETED) !== 0) continue
    const state = flagsText(n.flags, n.partiallyOnline === true)
    lines.push(`pnn:${n.pnn} ${n.address.padEnd(16)} ${state}${n.pnn === thisPnn ? ' (THIS NODE)' : ''}`)
  }
  return lines
}

// Why: `corral status` text, line for line what `ctdb status` prints, plus corral's lock warning.
export function statusText (s: StatusSnapshot): string {
  const lines = nodeLines(displayed(s), s.thisPnn, true)
  const map = vnnMapOf(s)
  lines.push(`Generation:${generationText(s.generation)}`, `Size:${map.length}`)
  map.forEach((lmaster, hash) => lines.push(`hash:${hash} lmaster:${lmaster}`))
  lines.push(`Recovery mode:${recoveryModeText(s.recoveryMode)} (${s.recoveryMode})`)
  const p = s.recoveryProgress
  if (p != null && s.recoveryMode !== RecoveryMode.NORMAL) lines.push(`Recovery progress:${p.dbsDone}/${p.dbsTotal} databases, ${p.records} records pushed`)
  lines.push(`Leader:${s.leader === null ? 'UNKNOWN' : s.leader}`)
  if (!s.lockConfigured) lines.push(NO_LOCK_WARNING)
  if (s.services !== undefined && s.services.degradedReason !== '') lines.push(`Services:DEGRADED on node ${s.thisPnn} (${s.services.degradedReason})`)
  return lines.join('\n') + '\n'
}

function recoveryModeText (m: RecoveryMode): string {
  return m === RecoveryMode.NORMAL ? 'NORMAL' : 'RECOVERY'
}

/** Which nodes `nodestatus` reports: `all`, or a list of PNNs (default: the queried node). */
export type NodeSelection = 'all' | readonly number[]

export interface NodestatusResult {
  text: string
  /** OR of the selected non-deleted nodes' displayed flags (UNKNOWN included), as `ctdb nodestatus`. */
  exitCode: number
}

// Why: `corral nodestatus` lines and its flag-mask exit code; the header appears only with `all`.
export function nodestatus (s: StatusSnapshot, selection: NodeSelection = [s.thisPnn], machine = false, sep = '|'): NodestatusResult {
  const all = displayed(s)
  const chosen = selection === 'all' ? all : all.filter(n => selection.includes(n.pnn))
  const text = machine
    ? machineText(chosen, s.thisPnn, sep)
    : nodeLines(chosen, s.thisPnn, selection === 'all').join('\n') + '\n'
  return { text, exitCode: nodestatusExitCode(chosen) }
}

const MACHINE_HEADER = ['Node', 'IP', 'Disconnected', 'Unknown', 'Banned', 'Disabled', 'Unhealthy', 'Stopped', 'Inactive', 'PartiallyOnline', 'ThisNode']

function machineText (nodes: readonly StatusNode[], thisPnn: number, sep: string): string {
  const bit = (flags: number, b: number): string => (flags & b) !== 0 ? '1' : '0'
  const rows = [MACHINE_HEADER]
  for (const n of nodes) {
    if ((n.flags & NODE_FLAGS_DELETED) !== 0) continue
    const f = n.flags
    rows.push([
      String(n.pnn), n.address, bit(f, NODE_FLAGS_DISCONNECTED), bit(f, NODE_FLAGS_UNKNOWN), bit(f, NODE_FLAGS_BANNED),
      bit(f, NODE_FLAGS_PERMANENTLY_DISABLED), bit(f, NODE_FLAGS_UNHEALTHY), bit(f, NODE_FLAGS_STOPPED),
      bit(f, NODE_FLAGS_INACTIVE), f === 0 && n.partiallyOnline === true ? '1' : '0', n.pnn === thisPnn ? 'Y' : 'N',
    ])
  }
  return rows.map(r => sep + r.join(sep) + sep + '\n').join('')
}

// Why: `corral status -X`: CTDB's machine form (node rows only; no vnnmap, mode or leader).
export function statusMachine (s: StatusSnapshot, sep = '|'): string {
  return machineText(displayed(s), s.thisPnn, sep)
}

/** JSON of one node: CTDB's keys in CTDB's order. */
export interface StatusJsonNode {
  pnn: number
  address: string
  partially_online: boolean
  flags_raw: number
  flags_ok: boolean
  flags: { disconnected: boolean, unknown: boolean, disabled: boolean, banned: boolean, unhealthy: boolean, deleted: boolean, stopped: boolean, inactive: boolean }
  this_node: boolean
}

/** `corral status --json`: CTDB's object, then corral's additions (runstate, lock). */
export interface StatusJson {
  node_status: { node_count: number, deleted_node_count: number, nodes: Record<string, StatusJsonNode> }
  vnn_status: { generation: number | null, size: number, vnn_map: Array<{ hash: number, lmaster: number }> }
  recovery_mode: 'NORMAL' | 'RECOVERY'
  recovery_mode_raw: number
  /** corral's: while the answering node leads a recovery, else null. */
  recovery_progress: { databases_done: number, databases: number, records_pushed: number } | null
  /** null when unknown (CTDB prints 4294967295). */
  leader: number | null
  /** corral: the answering node's runstate name. */
  runstate: string
  /** corral: whether a cluster lock is configured; without one split brain is possible. */
  cluster_lock: { configured: boolean, split_brain_possible: boolean }
  /** corral: the answering node's services (present when the daemon reports them). */
  services?: { degraded: boolean, degraded_reason: string | null, degraded_monitors: number }
}

// Why: one documented JSON schema for scripts; field names follow `ctdb status --json`.
export function statusJson (s: StatusSnapshot): StatusJson {
  const nodes: Record<string, StatusJsonNode> = {}
  const shown = displayed(s)
  for (const n of shown) {
    if ((n.flags & NODE_FLAGS_DELETED) !== 0) continue
    const f = n.flags
    const has = (b: number): boolean => (f & b) !== 0
    nodes[String(n.pnn)] = {
      pnn: n.pnn,
      address: n.address,
      partially_online: f === 0 && n.partiallyOnline === true,
      flags_raw: f,
      flags_ok: f === 0,
      flags: {
        disconnected: has(NODE_FLAGS_DISCONNECTED),
        unknown: has(NODE_FLAGS_UNKNOWN),
        disabled: has(NODE_FLAGS_PERMANENTLY_DISABLED),
        banned: has(NODE_FLAGS_BANNED),
        unhealthy: has(NODE_FLAGS_UNHEALTHY),
        deleted: has(NODE_FLAGS_DELETED),
        stopped: has(NODE_FLAGS_STOPPED),
        inactive: has(NODE_FLAGS_INACTIVE),
      },
      this_node: n.pnn === s.thisPnn,
    }
  }
  const map = vnnMapOf(s)
  return {
    node_status: {
      node_count: shown.length,
      deleted_node_count: shown.filter(n => (n.flags & NODE_FLAGS_DELETED) !== 0).length,
      nodes,
    },
    vnn_status: {
      generation: s.generation === INVALID_GENERATION ? null : s.generation >>> 0,
      size: map.length,
      vnn_map: map.map((lmaster, hash) => ({ hash, lmaster })),
    },
    recovery_mode: s.recoveryMode === RecoveryMode.NORMAL ? 'NORMAL' : 'RECOVERY',
    recovery_mode_raw: s.recoveryMode,
    recovery_progress: s.recoveryProgress == null ? null : { databases_done: s.recoveryProgress.dbsDone, databases: s.recoveryProgress.dbsTotal, records_pushed: s.recoveryProgress.records },
    leader: s.leader,
    runstate: runstateName(s.runstate),
    cluster_lock: { configured: s.lockConfigured, split_brain_possible: !s.lockConfigured },
    ...(s.services === undefined ? {} : { services: { degraded: s.services.degradedReason !== '', degraded_reason: s.services.degradedReason === '' ? null : s.services.degradedReason, degraded_monitors: s.services.degradedTotal } }),
  }
}
