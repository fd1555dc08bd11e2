// Public API of database recovery: packed record batches, CTDB's merge rule, the leader's parallel
// recovery of every database, chunked pulls over node links, and the batch hand-off a node uses to
// apply a push.
export { checkPacked, dropEmptyRecords, indexPacked, packRecords, unpackRecords, type PackedBatch } from '../database/index.js'
export { incomingWins, RECORD_FLAG_MIGRATED_WITH_DATA } from './merge.js'
export { recoverDatabases, RecoveryError, type DbRecoveryResult, type RecoveryDeps, type RecoveryProgress } from './recover.js'
export { AsyncQueue } from './queue.js'
export { chunkedPull, chunkOfRequest, type PullChunk } from './pull.js'
