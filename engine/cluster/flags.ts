// Node flags with CTDB's wire values (§1.2), the derived states, the CLI text, and the
// rules built on them: who may host IPs, who may lead, `nodestatus` exit codes.
import { RecoveryMode, Runstate } from './runstate.js'

/** Link to the node is down (always this node's own view). */
export const NODE_FLAGS_DISCONNECTED = 0x01
/** Last monitor failed, or never passed yet. */
export const NODE_FLAGS_UNHEALTHY = 0x02
/** `corral disable` / start as disabled; shown as "DISABLED". */
export const NODE_FLAGS_PERMANENTLY_DISABLED = 0x04
/** Banned by the leader, by itself, or by `corral ban`. */
export const NODE_FLAGS_BANNED = 0x08
/** Commented out in the nodes file. */
export const NODE_FLAGS_DELETED = 0x10
/** `corral stop` / start as stopped. */
export const NODE_FLAGS_STOPPED = 0x20
/** CLI-only: the queried node is still starting, so others' flags are not known yet. */
export const NODE_FLAGS_UNKNOWN = 0x40

/** Cannot host IPs: UNHEALTHY | PERMANENTLY_DISABLED. */
export const NODE_FLAGS_DISABLED = NODE_FLAGS_UNHEALTHY | NODE_FLAGS_PERMANENTLY_DISABLED
/** Out of the cluster: DELETED | DISCONNECTED | BANNED | STOPPED. */
export const NODE_FLAGS_INACTIVE = NODE_FLAGS_DELETED | NODE_FLAGS_DISCONNECTED | NODE_FLAGS_BANNED | NODE_FLAGS_STOPPED

/** CLI words in CTDB's fixed print order (tools/ctdb.c pretty_print_flags). */
export const FLAG_NAMES: ReadonlyArray<readonly [number, string]> = [
  [NODE_FLAGS_DISCONNECTED, 'DISCONNECTED'],
  [NODE_FLAGS_UNKNOWN, 'UNKNOWN'],
  [NODE_FLAGS_PERMANENTLY_DISABLED, 'DISABLED'],
  [NODE_FLAGS_BANNED, 'BANNED'],
  [NODE_FLAGS_UNHEALTHY, 'UNHEALTHY'],
  [NODE_FLAGS_DELETED, 'DELETED'],
  [NODE_FLAGS_STOPPED, 'STOPPED'],
  [NODE_FLAGS_INACTIVE, 'INACTIVE'],
]

// Why: INACTIVE nodes are out of the vnnmap, recovery and elections.
export function isInactive (flags: number): boolean {
  return (flags & NODE_FLAGS_INACTIVE) !== 0
}

// Why: one rule for "may this node offer public IPs" (ctdb_vnn_available), used by allocation.
export function canHostIps (flags: number, runstate: Runstate): boolean {
  return runstate === Runstate.RUNNING && (flags & (NODE_FLAGS_INACTIVE | NODE_FLAGS_DISABLED)) === 0
}

// Why: a node may take the cluster lock only if active and allowed the leader role (§1.7).
export function canLead (flags: number, leaderCapability = true): boolean {
  return leaderCapability && !isInactive(flags)
}

// Why: the CLI prints flags exactly as `ctdb status` does: `DISCONNECTED|UNHEALTHY|INACTIVE` or `OK`.
export function flagsText (flags: number, partiallyOnline = false): string {
  if (partiallyOnline && flags === 0) return 'PARTIALLYONLINE'
  const words = FLAG_NAMES.filter(([bit]) => (flags & bit) !== 0).map(([, name]) => name)
  return words.length === 0 ? 'OK' : words.join('|')
}

/** One node as the CLI sees it. */
export interface NodeFlagsView {
  pnn: number
  flags: number
}

// Why: while the queried node is still starting (runstate <= FIRST_RECOVERY) its view of others is
// the initial "everyone UNHEALTHY"; CTDB shows those nodes as UNKNOWN instead (get_nodemap_unknown).
export function withUnknown<N extends NodeFlagsView> (nodes: readonly N[], thisPnn: number, runstate: Runstate): N[] {
  if (runstate > Runstate.FIRST_RECOVERY) return nodes.slice()
  return nodes.map(n => (n.flags & (NODE_FLAGS_DELETED | NODE_FLAGS_DISCONNECTED)) !== 0 || n.pnn === thisPnn
    ? n
    : { ...n, flags: NODE_FLAGS_UNKNOWN })
}

// Why: scripts test `nodestatus` by its exit code: the OR of the selected nodes' flags, deleted ones ignored.
export function nodestatusExitCode (nodes: readonly NodeFlagsView[]): number {
  let rc = 0
  for (const n of nodes) if ((n.flags & NODE_FLAGS_DELETED) === 0) rc |= n.flags
  return rc
}

/** Inputs of the monitor scheduler's "skip this round" rule (§4.8). */
export interface MonitorGate {
  runstate: Runstate
  recoveryMode: RecoveryMode
  /** This node's own flags. */
  flags: number
  /** All databases are frozen (a recovery is under way). */
  allFrozen: boolean
}

// Why: a skipped monitor is only rescheduled; it must never count as a pass or a failure.
export function monitorMayRun (g: MonitorGate): boolean {
  return g.runstate === Runstate.RUNNING && g.recoveryMode === RecoveryMode.NORMAL &&
    !isInactive(g.flags) && !g.allFrozen
}
