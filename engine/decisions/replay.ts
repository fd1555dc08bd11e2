// Replaying a recorded takeover plan: rerun the allocation from the record's inputs, offline, with
// the same function the leader used (engine/ip planTakeover), and compare with what it recorded.
import { planTakeover } from '../ip/index.js'
import type { TakeoverDecision } from './types.js'

export interface ReplayResult {
  /** False when the record has nothing to replay (failed before allocating, or failover disabled). */
  replayable: boolean
  assignments: Array<{ ip: string, pnn: number }>
  /** Addresses whose recomputed owner differs from the recorded one. */
  differences: Array<{ ip: string, recorded: number | null, replayed: number | null }>
}

// Why: an admin can check, on any machine, that a recorded plan follows from its inputs.
export function replayTakeover (rec: TakeoverDecision): ReplayResult {
  if (rec.inputs === null || rec.outputs === null) return { replayable: false, assignments: [], differences: [] }
  const r = planTakeover(rec.inputs)
  const recorded = new Map(rec.outputs.assignments.map(a => [a.ip, a.pnn]))
  const replayed = new Map(r.assignments.map(a => [a.ip, a.pnn]))
  const differences: ReplayResult['differences'] = []
  for (const ip of new Set([...recorded.keys(), ...replayed.keys()])) {
    const a = recorded.get(ip) ?? null
    const b = replayed.get(ip) ?? null
    if (a !== b) differences.push({ ip, recorded: a, replayed: b })
  }
  return { replayable: true, assignments: r.assignments, differences }
}
