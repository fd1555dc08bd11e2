// Who may set and clear each node flag, as one pure function over this node's view of all
// nodes' flags. CTDB's rules (§1.2): each node is authoritative for its own flags; DISCONNECTED
// is always this node's own view; a peer's MODIFY_FLAGS about this node is ignored.
import {
  NODE_FLAGS_BANNED, NODE_FLAGS_DELETED, NODE_FLAGS_DISCONNECTED, NODE_FLAGS_PERMANENTLY_DISABLED,
  NODE_FLAGS_STOPPED, NODE_FLAGS_UNHEALTHY, isInactive,
} from './flags.js'
import { Runstate } from './runstate.js'

/** This node's view of every node's flags, indexed by PNN. */
export interface FlagState {
  /** This node's PNN. */
  readonly self: number
  readonly flags: readonly number[]
}

/** Admin requests; each is applied by the target node to itself (CTDB sends the control there). */
export type AdminOp = 'disable' | 'enable' | 'stop' | 'continue' | 'ban' | 'unban'

/** Something that may change flags, tagged by where it comes from. */
export type FlagChange =
  /** Transport: the link to a peer came up or went down (never about this node). */
  | { kind: 'link', pnn: number, up: boolean }
  /** This node's monitor result, after rise/fall thresholds. */
  | { kind: 'monitor', healthy: boolean }
  /** An admin or leader request that arrived at this node about itself. */
  | { kind: 'admin', op: AdminOp, bansEnabled?: boolean }
  /** Start options read at SETUP (`start as disabled` / `start as stopped`). */
  | { kind: 'start', disabled: boolean, stopped: boolean }
  /** A peer (usually the leader) pushes a node's flags (CTDB's MODIFY_FLAGS). */
  | { kind: 'peer', pnn: number, flags: number, localRunstate?: Runstate }
  /** `reloadnodes`: a line was commented out or back in. */
  | { kind: 'nodes-file', pnn: number, deleted: boolean }

/** Follow-up work the caller owes after a change. */
export type FlagEffect =
  /** This node's own flags changed: push them to all connected nodes. */
  | 'push-flags'
  /** Who may host IPs changed: ask the leader for a takeover run. */
  | 'takeover-run'
  /** This node became BANNED/STOPPED: generation INVALID, recovery ACTIVE, freeze, release all IPs. */
  | 'became-inactive'
  /** This node left BANNED/STOPPED: it needs a recovery to rejoin. */
  | 'became-active'
  /** A peer became OK while this node is still starting: force recovery mode ACTIVE (CTDB). */
  | 'force-recovery'

export type FlagOutcome =
  | { outcome: 'changed', state: FlagState, pnn: number, old: number, flags: number, effects: FlagEffect[] }
  /** Already in the requested state; `message` is CTDB's ("Node 1 is already disabled"). */
  | { outcome: 'unchanged', state: FlagState, pnn: number, message?: string }
  /** CTDB ignores this change silently (not an error for the sender). */
  | { outcome: 'ignored', state: FlagState, reason: string }
  /** The change is invalid (a bug or a bad request). */
  | { outcome: 'refused', reason: string }

const ADMIN: Record<AdminOp, { bit: number, set: boolean, desc: string }> = {
  disable: { bit: NODE_FLAGS_PERMANENTLY_DISABLED, set: true, desc: 'disabled' },
  enable: { bit: NODE_FLAGS_PERMANENTLY_DISABLED, set: false, desc: 'disabled' },
  stop: { bit: NODE_FLAGS_STOPPED, set: true, desc: 'stopped' },
  continue: { bit: NODE_FLAGS_STOPPED, set: false, desc: 'stopped' },
  ban: { bit: NODE_FLAGS_BANNED, set: true, desc: 'banned' },
  unban: { bit: NODE_FLAGS_BANNED, set: false, desc: 'banned' },
}

// Why: every flag change in the daemon goes through this one table-tested function.
export function applyFlagChange (state: FlagState, change: FlagChange): FlagOutcome {
  switch (change.kind) {
    case 'link': return applyLink(state, change.pnn, change.up)
    case 'monitor': return set(state, state.self, change.healthy ? 0 : NODE_FLAGS_UNHEALTHY, NODE_FLAGS_UNHEALTHY)
    case 'admin': return applyAdmin(state, change.op, change.bansEnabled ?? true)
    case 'start': {
      const bits = (change.disabled ? NODE_FLAGS_PERMANENTLY_DISABLED : 0) | (change.stopped ? NODE_FLAGS_STOPPED : 0)
      return set(state, state.self, bits, bits)
    }
    case 'peer': return applyPeer(state, change.pnn, change.flags, change.localRunstate)
    case 'nodes-file': return applyNodesFile(state, change.pnn, change.deleted)
  }
}

function known (state: FlagState, pnn: number): boolean {
  return Number.isInteger(pnn) && pnn >= 0 && pnn < state.flags.length
}

function applyLink (state: FlagState, pnn: number, up: boolean): FlagOutcome {
  if (!known(state, pnn)) return { outcome: 'refused', reason: `Node ${pnn} is invalid` }
  if (pnn === state.self) return { outcome: 'refused', reason: 'a node has no link to itself' }
  if ((state.flags[pnn] & NODE_FLAGS_DELETED) !== 0) return { outcome: 'ignored', state, reason: `node ${pnn} is deleted` }
  // Down sets UNHEALTHY too (ctdb_node_dead); up clears only DISCONNECTED: true flags come from the peer.
  return up
    ? set(state, pnn, 0, NODE_FLAGS_DISCONNECTED)
    : set(state, pnn, NODE_FLAGS_DISCONNECTED | NODE_FLAGS_UNHEALTHY, NODE_FLAGS_DISCONNECTED | NODE_FLAGS_UNHEALTHY)
}

function applyAdmin (state: FlagState, op: AdminOp, bansEnabled: boolean): FlagOutcome {
  const a = ADMIN[op]
  if (op === 'ban' && !bansEnabled) return { outcome: 'ignored', state, reason: 'bans are disabled (EnableBans=0)' }
  const isSet = (state.flags[state.self] & a.bit) !== 0
  if (isSet === a.set) {
    const message = a.set ? `Node ${state.self} is already ${a.desc}` : `Node ${state.self} is not ${a.desc}`
    return { outcome: 'unchanged', state, pnn: state.self, message }
  }
  return set(state, state.self, a.set ? a.bit : 0, a.bit)
}

function applyPeer (state: FlagState, pnn: number, flags: number, localRunstate?: Runstate): FlagOutcome {
  if (!known(state, pnn)) return { outcome: 'refused', reason: `Node ${pnn} is invalid` }
  if (pnn === state.self) return { outcome: 'ignored', state, reason: 'this node is authoritative for its own flags' }
  const old = state.flags[pnn]
  if ((old & NODE_FLAGS_DISCONNECTED) !== 0) return { outcome: 'ignored', state, reason: `node ${pnn} is disconnected` }
  const result = set(state, pnn, flags & ~NODE_FLAGS_DISCONNECTED, ~NODE_FLAGS_DISCONNECTED >>> 0)
  if (result.outcome === 'changed' && result.flags === 0 && localRunstate !== undefined && localRunstate <= Runstate.STARTUP) {
    result.effects.push('force-recovery')
  }
  return result
}

function applyNodesFile (state: FlagState, pnn: number, deleted: boolean): FlagOutcome {
  if (!Number.isInteger(pnn) || pnn < 0) return { outcome: 'refused', reason: `Node ${pnn} is invalid` }
  if (pnn === state.self && deleted) return { outcome: 'refused', reason: 'this node cannot delete itself' }
  if (pnn >= state.flags.length) {
    // An appended line: a NEW node, seen as disconnected until its link comes up.
    if (deleted) return { outcome: 'refused', reason: `Node ${pnn} is invalid` }
    const flags = [...state.flags]
    while (flags.length <= pnn) flags.push(NODE_FLAGS_DISCONNECTED | NODE_FLAGS_UNHEALTHY)
    const next = { self: state.self, flags }
    // `old` is DELETED: before the line existed the node was as absent as a deleted one.
    return { outcome: 'changed', state: next, pnn, old: NODE_FLAGS_DELETED, flags: flags[pnn], effects: [] }
  }
  const wasDeleted = (state.flags[pnn] & NODE_FLAGS_DELETED) !== 0
  if (wasDeleted === deleted) return { outcome: 'unchanged', state, pnn }
  if (deleted && (state.flags[pnn] & NODE_FLAGS_DISCONNECTED) === 0) {
    return { outcome: 'refused', reason: `Node ${pnn} is still connected` }
  }
  // Deleted keeps nothing else; undeleted starts like any remote node: disconnected and unhealthy.
  const bits = deleted ? NODE_FLAGS_DELETED : NODE_FLAGS_DISCONNECTED | NODE_FLAGS_UNHEALTHY
  return set(state, pnn, bits, 0xffffffff)
}

// Replace the bits of `mask` in node `pnn` by `bits`, and work out what follows from it.
function set (state: FlagState, pnn: number, bits: number, mask: number): FlagOutcome {
  const old = state.flags[pnn]
  const flags = ((old & ~mask) | (bits & mask)) >>> 0
  if (flags === old) return { outcome: 'unchanged', state, pnn }
  const all = state.flags.slice()
  all[pnn] = flags
  return { outcome: 'changed', state: { self: state.self, flags: all }, pnn, old, flags, effects: effectsOf(state.self, pnn, old, flags) }
}

function effectsOf (self: number, pnn: number, old: number, flags: number): FlagEffect[] {
  const effects: FlagEffect[] = []
  if (pnn === self) {
    effects.push('push-flags')
    if (!isInactive(old) && isInactive(flags)) effects.push('became-inactive')
    if (isInactive(old) && !isInactive(flags)) effects.push('became-active')
  }
  effects.push('takeover-run')
  return effects
}
