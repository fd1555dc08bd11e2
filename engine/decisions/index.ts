// Public API of decision records: the record types, the writer (decisions.jsonl in the state dir),
// the reader and the offline replay of a takeover plan (`corral ip plan --replay`).
export { DECISION_KINDS, DECISION_VERSION, type BanDecision, type Decision, type DecisionBase, type DecisionInit, type DecisionKind, type ElectionDecision, type RecoveryDecision, type TakeoverDecision } from './types.js'
export { DecisionLog, type DecisionLogOptions } from './log.js'
export { parseDecisions, takeoverRecords, type ReadDecision } from './read.js'
export { replayTakeover, type ReplayResult } from './replay.js'
