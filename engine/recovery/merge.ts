// CTDB's merge rule for volatile records during recovery (ctdb-semantics §2.5).
import type { RecordHeader } from '../database/index.js'

/** CTDB's MIGRATED_WITH_DATA record flag, set on every volatile record the recovery pushes. */
export const RECORD_FLAG_MIGRATED_WITH_DATA = 0x10000

// Why: the highest RSN wins; on a tie the copy already kept stays, unless its data master is the
// leader itself, in which case the incoming copy replaces it.
export function incomingWins (existing: RecordHeader | undefined, incoming: RecordHeader, leader: number): boolean {
  if (existing === undefined) return true
  if (incoming.rsn < existing.rsn) return false
  if (incoming.rsn > existing.rsn) return true
  return existing.dmaster === leader
}
