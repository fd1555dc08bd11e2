// Records travel and are written in packed batches: u32 key length, key, u32 value length, value
// (the 24-byte CTDB record header then the data), little-endian. A value is exactly what the store
// keeps under the key, so a batch goes from one node's LMDB to another's without being decoded.
import { CorralError } from '../errors/index.js'
import { asBuffer, checkKeyAt, checkValueLength } from './limits.js'
import { decodeRecord, encodeRecord, HEADER_BYTES } from './record.js'
import type { StoredRecord } from './store.js'

/** A packed batch and the number of records in it. */
export interface PackedBatch { packed: Buffer, count: number }

// Why: one buffer per batch keeps protobuf out of the per-record path (never one message per record).
export function packRecords (records: readonly StoredRecord[]): Buffer {
  const values = records.map(r => encodeRecord(r.header, r.data))
  return packRaw(records.map(r => r.key), values)
}

// Keys and stored values (header + data) into one batch.
function packRaw (keys: readonly Uint8Array[], values: readonly Uint8Array[]): Buffer {
  let size = 0
  for (let i = 0; i < keys.length; i++) size += 8 + keys[i].length + values[i].length
  const out = Buffer.allocUnsafe(size)
  let o = 0
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]
    const v = values[i]
    out.writeUInt32LE(k.length, o); o += 4
    out.set(k, o); o += k.length
    out.writeUInt32LE(v.length, o); o += 4
    out.set(v, o); o += v.length
  }
  return out
}

// Calls fn(keyStart, keyEnd, valueStart, valueEnd) per record; a truncated batch, or one holding
// another number of records than `expect`, throws (the offset or both counts named).
function walk (b: Buffer, fn: (ks: number, ke: number, vs: number, ve: number) => void, expect?: number): number {
  let o = 0
  let n = 0
  while (o < b.length) {
    if (o + 4 > b.length) throw new CorralError('CORRAL_E_FRAME_MALFORMED', `record batch truncated at byte ${o} (key length)`)
    const kl = b.readUInt32LE(o); o += 4
    if (o + kl + 4 > b.length) throw new CorralError('CORRAL_E_FRAME_MALFORMED', `record batch truncated at byte ${o} (key of ${kl} bytes)`)
    const ks = o; o += kl
    const vl = b.readUInt32LE(o); o += 4
    if (o + vl > b.length) throw new CorralError('CORRAL_E_FRAME_MALFORMED', `record batch truncated at byte ${o} (value of ${vl} bytes)`)
    if (vl < HEADER_BYTES) throw new CorralError('CORRAL_E_FRAME_MALFORMED', `record batch value of ${vl} bytes at byte ${o} is shorter than the ${HEADER_BYTES}-byte header`)
    fn(ks, ks + kl, o, o + vl)
    o += vl
    n++
  }
  if (expect !== undefined && n !== expect) throw new CorralError('CORRAL_E_FRAME_MALFORMED', `record batch holds ${n} records, its header says ${expect}`)
  return n
}

// Why: a truncated or lying batch is refused with the offset, never half-applied.
export function unpackRecords (buf: Uint8Array, expect?: number): StoredRecord[] {
  const b = asBuffer(buf)
  const out: StoredRecord[] = []
  walk(b, (ks, ke, vs, ve) => { out.push({ key: b.subarray(ks, ke), ...decodeRecord(b.subarray(vs, ve)) }) }, expect)
  return out
}

// Why: the recovery merge walks batches by offset (key start/end, value start/end per record, flat)
// instead of building a record object per entry.
export function indexPacked (buf: Uint8Array, expect?: number): { buf: Buffer, offsets: Uint32Array } {
  const b = asBuffer(buf)
  // Sized by the header's count; walk() refuses a batch holding another number of records.
  let offsets = new Uint32Array(4 * (expect ?? 16))
  let i = 0
  const n = walk(b, (ks, ke, vs, ve) => {
    if (i + 4 > offsets.length) { const more = new Uint32Array(offsets.length * 2); more.set(offsets); offsets = more }
    offsets[i++] = ks; offsets[i++] = ke; offsets[i++] = vs; offsets[i++] = ve
  }, expect)
  return { buf: b, offsets: offsets.length === 4 * n ? offsets : offsets.subarray(0, 4 * n) }
}

// Why: a node checks a pushed batch (framing, key and value limits, the reserved key) before any of
// it is written, without building a record object per entry.
export function checkPacked (buf: Uint8Array, expect?: number): number {
  const b = asBuffer(buf)
  return walk(b, (ks, ke, vs, ve) => {
    checkKeyAt(b, ks, ke)
    checkValueLength(ve - vs - HEADER_BYTES)
  }, expect)
}

// Why: records that are only a header (deleted) are not pushed by a recovery (CTDB); the batch is
// returned as it is when it has none, which is the common case.
export function dropEmptyRecords (batch: PackedBatch): PackedBatch {
  const b = batch.packed
  const keep: Array<[number, number]> = []
  let start = 0
  let dropped = 0
  walk(b, (ks, _ke, vs, ve) => {
    if (ve - vs === HEADER_BYTES) {
      if (ks - 4 > start) keep.push([start, ks - 4])
      start = ve
      dropped++
    }
  })
  if (dropped === 0) return batch
  if (start < b.length) keep.push([start, b.length])
  return { packed: Buffer.concat(keep.map(([s, e]) => b.subarray(s, e))), count: batch.count - dropped }
}

// Why: a chunked pull resumes after the last key it received and checks where the next chunk
// starts; the keys are views into the batch, which is walked (and so checked) once.
export function keyBounds (buf: Uint8Array): { first: Buffer, last: Buffer } | undefined {
  const b = asBuffer(buf)
  let first: Buffer | undefined
  let ls = 0
  let le = 0
  walk(b, (ks, ke) => {
    first ??= b.subarray(ks, ke)
    ls = ks; le = ke
  })
  return first === undefined ? undefined : { first, last: b.subarray(ls, le) }
}
