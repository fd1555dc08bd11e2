// Size limits of keys and values, and the one reserved key (the database sequence number).
// Checked before anything is written, so a refused write never leaves half a transaction behind.
import { DB_MAX_KEY_BYTES, DB_MAX_VALUE_BYTES } from '../config/defaults.js'
import { CorralError } from '../errors/index.js'

/** Longest record key, in bytes (LMDB's own limit is about 1.9 KiB). */
export const MAX_KEY_BYTES = DB_MAX_KEY_BYTES
/** Longest record data (without the header), in bytes. */
export const MAX_VALUE_BYTES = DB_MAX_VALUE_BYTES

/** CTDB's CTDB_DB_SEQNUM_KEY with its terminating NUL, as ctdb stores it: the key of a persistent
 * database's sequence number (value: a record header + 8 bytes little-endian). Hidden from get and
 * traverse; only seqnum(), applyTransaction() and replaceAll() write it. */
export const SEQNUM_KEY = Buffer.from('__db_sequence_number__\0', 'latin1')

const U64_MAX = (1n << 64n) - 1n

// Why: the reserved key may only change through a transaction, never through a plain put.
export function isSeqnumKey (key: Uint8Array): boolean {
  return key.length === SEQNUM_KEY.length && SEQNUM_KEY.equals(key)
}

// Why: LMDB rejects empty and over-long keys with an opaque error; ours names size and limit.
export function checkKey (key: Uint8Array): void {
  if (!(key instanceof Uint8Array)) throw new CorralError('CORRAL_E_USAGE', 'a record key must be bytes (Uint8Array)')
  checkKeyAt(key, 0, key.length)
}

// Why: the same check for a key inside a packed batch, without a view per record.
export function checkKeyAt (buf: Uint8Array, start: number, end: number): void {
  const length = end - start
  if (length === 0) throw new CorralError('CORRAL_E_USAGE', 'a record key must not be empty')
  if (length > MAX_KEY_BYTES) {
    throw new CorralError('CORRAL_E_DB_KEY_TOO_LARGE', `record key of ${length} bytes is larger than the limit of ${MAX_KEY_BYTES} bytes`)
  }
  if (length === SEQNUM_KEY.length && SEQNUM_KEY.compare(buf, start, end) === 0) {
    throw new CorralError('CORRAL_E_USAGE', 'the key __db_sequence_number__ is reserved for the database sequence number')
  }
}

// Why: a 1 MiB cap keeps one record well inside a protocol frame and a traverse batch.
export function checkValue (data: Uint8Array): void {
  if (!(data instanceof Uint8Array)) throw new CorralError('CORRAL_E_USAGE', 'record data must be bytes (Uint8Array)')
  checkValueLength(data.length)
}

// Why: the same cap for a value inside a packed batch, by its length alone.
export function checkValueLength (length: number): void {
  if (length > MAX_VALUE_BYTES) {
    throw new CorralError('CORRAL_E_DB_VALUE_TOO_LARGE', `record value of ${length} bytes is larger than the limit of ${MAX_VALUE_BYTES} bytes`)
  }
}

// Why: sequence numbers are stored as u64; a negative or huge bigint would wrap.
export function checkSeqnum (seqnum: bigint): void {
  if (typeof seqnum !== 'bigint' || seqnum < 0n || seqnum > U64_MAX) {
    throw new CorralError('CORRAL_E_USAGE', `sequence number ${String(seqnum)} is not a uint64 bigint`)
  }
}

// Why: lmdb wants Buffers; wrapping a Uint8Array's memory costs no copy.
export function asBuffer (bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length)
}
