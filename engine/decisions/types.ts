// The leader's decision records: one JSON object per decision, with what it was decided from
// (inputs) and what was decided (outputs), so an admin can see why and replay a takeover plan.
import type { TakeoverPlanInput } from '../ip/index.js'

/** Record format version; bumped only if a field changes meaning (fields are only ever added). */
export const DECISION_VERSION = 1

export const DECISION_KINDS = ['election', 'recovery', 'takeover', 'ban'] as const
export type DecisionKind = typeof DECISION_KINDS[number]

/** Fields every record has. */
export interface DecisionBase {
  v: typeof DECISION_VERSION
  kind: DecisionKind
  /** When it was decided, ms since the epoch. */
  timeMs: number
  /** The node that decided (the leader, or the node electing one). */
  pnn: number
  /** The generation when it was decided (1 = INVALID: none yet). */
  generation: number
}

/** Who became leader as this node decided or learnt it, among which candidates, and why. */
export interface ElectionDecision extends DecisionBase {
  kind: 'election'
  winner: number
  previous: number | null
  /** Eligible nodes considered (startedMs: when each started, the no-lock tie-break). */
  candidates: Array<{ pnn: number, startedMs?: number }>
  /** 'took the cluster lock', 'node N holds the cluster lock', or 'no cluster lock: longest running, then highest PNN'. */
  reason: string
}

/** One recovery the leader ran: why, the generation change, who took part and how it ended. */
export interface RecoveryDecision extends DecisionBase {
  kind: 'recovery'
  reason: string
  oldGeneration: number
  newGeneration: number
  nodes: number[]
  databases: { count: number, records: number }
  outcome: 'ok' | 'failed'
  error?: string
  ms: number
}

/** One takeover run: the allocation's inputs, the plan (outputs) and how the run ended. */
export interface TakeoverDecision extends DecisionBase {
  kind: 'takeover'
  reason: string
  /** The allocation inputs, or null when the run failed before allocating (or failover is disabled). */
  inputs: (TakeoverPlanInput & {
    /** Nodes connected and RUNNING and active at the run (informational). */
    connected: number[]
    active: number[]
    /** `corral ip hosts set` restriction (null: none) and the status callback's excludes; `allowed` combines them. */
    ipHosts: number[] | null
    excluded: number[]
  }) | null
  outputs: { assignments: Array<{ ip: string, pnn: number }>, moved: Array<{ ip: string, from: number, to: number }> } | null
  outcome: 'ok' | 'failed'
  error?: string
  ms: number
  /** CTDB's allocation trace lines. */
  trace: string[]
}

/** A ban the leader gave: the culprit, its credits against the threshold, and for how long. */
export interface BanDecision extends DecisionBase {
  kind: 'ban'
  culprit: number
  credits: number
  /** Credits that earn a ban (CTDB: twice the node count). */
  threshold: number
  seconds: number
  reason: string
}

export type Decision = ElectionDecision | RecoveryDecision | TakeoverDecision | BanDecision

/** A record as the caller gives it: the writer stamps v, timeMs, pnn and generation when missing. */
export type DecisionInit = Decision extends infer D ? D extends Decision ? Omit<D, 'v' | 'timeMs' | 'pnn' | 'generation'> & Partial<Pick<D, 'timeMs' | 'pnn' | 'generation'>> : never : never
