// Public API of the node-local database store: kinds and flags, CTDB's record header and database
// ids, limits, the LMDB-backed LocalStore with its backups.
export {
  DB_FLAG_PERSISTENT, DB_FLAG_READONLY, DB_FLAG_REPLICATED, DB_FLAG_STICKY, MAX_DB_NAME_BYTES,
  checkDbKind, checkDbName, FROZEN_KEY, kindFlags, type DbInfo, type DbKind,
} from './catalogue.js'
export { dbIdOf, formatDbId, jenkinsHash } from './dbid.js'
export { asBuffer, checkKey, checkValue, MAX_KEY_BYTES, MAX_VALUE_BYTES, SEQNUM_KEY } from './limits.js'
export {
  decodeRecord, encodeRecord, formatRecordFlags, HEADER_BYTES, readHeader, UNKNOWN_PNN, type RecordHeader,
  REC_FLAG_AUTOMATIC, REC_FLAG_MIGRATED_WITH_DATA, REC_FLAG_PERSISTENT, REC_FLAG_PERSISTENT_IN_PROGRESS,
  REC_FLAG_VACUUM_MIGRATED, REC_RO_HAVE_DELEGATIONS, REC_RO_HAVE_READONLY, REC_RO_REVOKE_COMPLETE, REC_RO_REVOKING_READONLY,
} from './record.js'
export { BACKUP_MAGIC, BACKUP_VERSION, escapeBytes, type BackupHead } from './backup.js'
export { LocalStore, subDbName, type LocalStoreOptions, type StoredRecord, type TransactionWrite } from './store.js'
export { checkPacked, dropEmptyRecords, indexPacked, keyBounds, packRecords, unpackRecords, type PackedBatch } from './packed.js'
