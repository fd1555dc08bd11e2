// The stored form of a record: CTDB's 24-byte ltdb header (struct ctdb_ltdb_header) followed by
// the data. Every value in a database sub-db has this layout, so a reader in another language
// (or a tool comparing with ctdb's own dumps) can decode it without corral's code.
import { CorralError } from '../errors/index.js'

/** CTDB's ctdb_ltdb_header: record sequence number, the node holding the latest copy, record flags. */
export interface RecordHeader {
  /** Record sequence number; grows each time the record migrates or is rewritten. */
  rsn: bigint
  /** PNN of the node holding the authoritative copy (volatile databases). */
  dmaster: number
  /** Record flags (REC_FLAG_*). */
  flags: number
}

/** Bytes of the header: rsn u64 LE, dmaster u32 LE, reserved1 u32 (0), flags u32 LE, reserved2 u32 (0). */
export const HEADER_BYTES = 24

/** CTDB_UNKNOWN_PNN: no node. The dmaster of records written before a PNN is known. */
export const UNKNOWN_PNN = 0xffffffff

// Record flags of the header (CTDB_REC_FLAG_* and CTDB_REC_RO_*), with the names ctdb prints.
export const REC_FLAG_PERSISTENT = 0x00000001
export const REC_FLAG_PERSISTENT_IN_PROGRESS = 0x00000002
export const REC_FLAG_MIGRATED_WITH_DATA = 0x00010000
export const REC_FLAG_VACUUM_MIGRATED = 0x00020000
export const REC_FLAG_AUTOMATIC = 0x00040000
export const REC_RO_HAVE_DELEGATIONS = 0x01000000
export const REC_RO_HAVE_READONLY = 0x02000000
export const REC_RO_REVOKING_READONLY = 0x04000000
export const REC_RO_REVOKE_COMPLETE = 0x08000000

/** Flag names in the order ctdb's dumps print them. */
export const REC_FLAG_NAMES: ReadonlyArray<readonly [number, string]> = [
  [REC_FLAG_MIGRATED_WITH_DATA, 'MIGRATED_WITH_DATA'],
  [REC_FLAG_VACUUM_MIGRATED, 'VACUUM_MIGRATED'],
  [REC_FLAG_AUTOMATIC, 'AUTOMATIC'],
  [REC_RO_HAVE_DELEGATIONS, 'RO_HAVE_DELEGATIONS'],
  [REC_RO_HAVE_READONLY, 'RO_HAVE_READONLY'],
  [REC_RO_REVOKING_READONLY, 'RO_REVOKING_READONLY'],
  [REC_RO_REVOKE_COMPLETE, 'RO_REVOKE_COMPLETE'],
  [REC_FLAG_PERSISTENT, 'PERSISTENT'],
  [REC_FLAG_PERSISTENT_IN_PROGRESS, 'PERSISTENT_IN_PROGRESS'],
]

const U64_MAX = (1n << 64n) - 1n

// Why: a header with an out-of-range field would be silently truncated by the byte writers.
export function headerProblem (h: RecordHeader): string | undefined {
  if (typeof h.rsn !== 'bigint' || h.rsn < 0n || h.rsn > U64_MAX) return `rsn ${String(h.rsn)} is not a uint64`
  if (!Number.isInteger(h.dmaster) || h.dmaster < 0 || h.dmaster > 0xffffffff) return `dmaster ${h.dmaster} is not a uint32`
  if (!Number.isInteger(h.flags) || h.flags < 0 || h.flags > 0xffffffff) return `flags ${h.flags} is not a uint32`
  return undefined
}

// Why: one place writes CTDB's byte layout; the store, backups and the wire all reuse it.
export function encodeRecord (h: RecordHeader, data: Uint8Array): Buffer {
  const problem = headerProblem(h)
  if (problem !== undefined) throw new CorralError('CORRAL_E_USAGE', `bad record header: ${problem}`)
  const buf = Buffer.allocUnsafe(HEADER_BYTES + data.length)
  writeHeader(buf, 0, h)
  buf.set(data, HEADER_BYTES)
  return buf
}

// Why: the inverse of encodeRecord; a value shorter than a header is corrupt, never "empty".
export function decodeRecord (buf: Uint8Array): { header: RecordHeader, data: Buffer } {
  if (buf.length < HEADER_BYTES) {
    throw new CorralError('CORRAL_E_INTERNAL', `record of ${buf.length} bytes is shorter than the ${HEADER_BYTES}-byte header`)
  }
  const b = Buffer.isBuffer(buf) ? buf : Buffer.from(buf.buffer, buf.byteOffset, buf.length)
  return { header: readHeader(b, 0), data: b.subarray(HEADER_BYTES) }
}

// Why: backups and encodeRecord write headers into larger buffers without an extra copy.
export function writeHeader (buf: Buffer, offset: number, h: RecordHeader): void {
  buf.writeBigUInt64LE(h.rsn, offset)
  buf.writeUInt32LE(h.dmaster, offset + 8)
  buf.writeUInt32LE(0, offset + 12)
  buf.writeUInt32LE(h.flags, offset + 16)
  buf.writeUInt32LE(0, offset + 20)
}

// Why: the reserved words are ignored on read, as CTDB does.
export function readHeader (buf: Buffer, offset: number): RecordHeader {
  return {
    rsn: buf.readBigUInt64LE(offset),
    dmaster: buf.readUInt32LE(offset + 8),
    flags: buf.readUInt32LE(offset + 16),
  }
}

// Why: ctdb prints `flags: 0x00010000 MIGRATED_WITH_DATA`; dumps of ours read the same.
export function formatRecordFlags (flags: number): string {
  let s = `0x${(flags >>> 0).toString(16).padStart(8, '0')}`
  for (const [bit, name] of REC_FLAG_NAMES) if ((flags & bit) !== 0) s += ` ${name}`
  return s
}
