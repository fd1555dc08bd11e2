// Records travel in packed batches: u32 key length, key, u32 value length, value (the 24-byte
// CTDB record header then the data), little-endian — one protobuf bytes field per batch.
import { CorralError } from '../errors/index.js'
import { decodeRecord, encodeRecord, HEADER_BYTES, type StoredRecord } from '../database/index.js'

// Why: one buffer per batch keeps protobuf out of the per-record path (issue: never one message per record).
export function packRecords (records: readonly StoredRecord[]): Buffer {
  const values = records.map(r => encodeRecord(r.header, r.data))
  let size = 0
  for (let i = 0; i < records.length; i++) size += 8 + records[i].key.length + values[i].length
  const out = Buffer.allocUnsafe(size)
  let o = 0
  for (let i = 0; i < records.length; i++) {
    const k = records[i].key
    out.writeUInt32LE(k.length, o); o += 4
    out.set(k, o); o += k.length
    out.writeUInt32LE(values[i].length, o); o += 4
    out.set(values[i], o); o += values[i].length
  }
  return out
}

// Why: a truncated or lying batch is refused with the offset, never half-applied.
export function unpackRecords (buf: Uint8Array, expect?: number): StoredRecord[] {
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength)
  const out: StoredRecord[] = []
  let o = 0
  while (o < b.length) {
    if (o + 4 > b.length) throw new CorralError('CORRAL_E_FRAME_MALFORMED', `record batch truncated at byte ${o} (key length)`)
    const kl = b.readUInt32LE(o); o += 4
    if (o + kl + 4 > b.length) throw new CorralError('CORRAL_E_FRAME_MALFORMED', `record batch truncated at byte ${o} (key of ${kl} bytes)`)
    const key = b.subarray(o, o + kl); o += kl
    const vl = b.readUInt32LE(o); o += 4
    if (o + vl > b.length) throw new CorralError('CORRAL_E_FRAME_MALFORMED', `record batch truncated at byte ${o} (value of ${vl} bytes)`)
    if (vl < HEADER_BYTES) throw new CorralError('CORRAL_E_FRAME_MALFORMED', `record batch value of ${vl} bytes at byte ${o} is shorter than the ${HEADER_BYTES}-byte header`)
    const { header, data } = decodeRecord(b.subarray(o, o + vl)); o += vl
    out.push({ key, header, data })
  }
  if (expect !== undefined && out.length !== expect) throw new CorralError('CORRAL_E_FRAME_MALFORMED', `record batch holds ${out.length} records, its header says ${expect}`)
  return out
}
