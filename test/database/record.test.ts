import t from 'tap'
import {
  decodeRecord, encodeRecord, formatRecordFlags, HEADER_BYTES, REC_FLAG_AUTOMATIC, REC_FLAG_MIGRATED_WITH_DATA,
  REC_RO_HAVE_READONLY, type RecordHeader,
} from '../../engine/database/index.js'
import { CorralError } from '../../engine/errors/index.js'

t.test('a header is 24 bytes laid out as ctdb_ltdb_header: rsn u64, dmaster u32, reserved, flags u32, reserved', async t => {
  t.equal(HEADER_BYTES, 24)
  const buf = encodeRecord({ rsn: 0x0102030405060708n, dmaster: 0xa1b2c3d4, flags: 0x00010000 }, Buffer.from('hi'))
  t.equal(buf.toString('hex'), [
    '0807060504030201', // rsn, little-endian
    'd4c3b2a1', // dmaster
    '00000000', // reserved1
    '00000100', // flags MIGRATED_WITH_DATA
    '00000000', // reserved2
    '6869', // data "hi"
  ].join(''))
})

t.test('encode then decode gives back the header and the data', async t => {
  const cases: Array<[RecordHeader, Buffer]> = [
    [{ rsn: 0n, dmaster: 0, flags: 0 }, Buffer.alloc(0)],
    [{ rsn: (1n << 64n) - 1n, dmaster: 0xffffffff, flags: 0xffffffff }, Buffer.from([0, 1, 2, 255])],
    [{ rsn: 42n, dmaster: 3, flags: REC_FLAG_AUTOMATIC | REC_RO_HAVE_READONLY }, Buffer.alloc(1000, 7)],
  ]
  for (const [h, data] of cases) {
    const back = decodeRecord(encodeRecord(h, data))
    t.same(back.header, h)
    t.ok(back.data.equals(data))
  }
})

t.test('decoding reads a plain Uint8Array as well as a Buffer and ignores the reserved words', async t => {
  const buf = encodeRecord({ rsn: 5n, dmaster: 1, flags: 2 }, Buffer.from('x'))
  buf.writeUInt32LE(0xdeadbeef, 12)
  buf.writeUInt32LE(0xdeadbeef, 20)
  const back = decodeRecord(new Uint8Array(buf))
  t.same(back.header, { rsn: 5n, dmaster: 1, flags: 2 })
  t.equal(back.data.toString(), 'x')
})

t.test('a header alone is a record with empty data (CTDB: deleted)', async t => {
  const back = decodeRecord(encodeRecord({ rsn: 1n, dmaster: 0, flags: 0 }, new Uint8Array(0)))
  t.equal(back.data.length, 0)
})

t.test('a value shorter than a header is a CorralError that says how short', async t => {
  for (const n of [0, 1, 23]) {
    let err: unknown
    try { decodeRecord(Buffer.alloc(n)) } catch (e) { err = e }
    t.ok(err instanceof CorralError, 'a CorralError')
    t.match((err as Error).message, `record of ${n} bytes is shorter than the 24-byte header`)
  }
})

t.test('a header field out of range is refused instead of being truncated', async t => {
  const bad: RecordHeader[] = [
    { rsn: -1n, dmaster: 0, flags: 0 },
    { rsn: 1n << 64n, dmaster: 0, flags: 0 },
    { rsn: 0n, dmaster: -1, flags: 0 },
    { rsn: 0n, dmaster: 2 ** 32, flags: 0 },
    { rsn: 0n, dmaster: 0, flags: 1.5 },
    { rsn: 1 as unknown as bigint, dmaster: 0, flags: 0 },
  ]
  for (const h of bad) t.throws(() => encodeRecord(h, Buffer.alloc(0)), { code: 'CORRAL_E_USAGE' })
})

t.test('record flags print as ctdb prints them: hex and the names of the set bits', async t => {
  t.equal(formatRecordFlags(0), '0x00000000')
  t.equal(formatRecordFlags(REC_FLAG_MIGRATED_WITH_DATA | REC_FLAG_AUTOMATIC), '0x00050000 MIGRATED_WITH_DATA AUTOMATIC')
  t.equal(formatRecordFlags(0x01), '0x00000001 PERSISTENT')
})
