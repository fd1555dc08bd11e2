import t from 'tap'
import { checkPacked, dropEmptyRecords, keyBounds, MAX_KEY_BYTES, MAX_VALUE_BYTES, packRecords, SEQNUM_KEY, unpackRecords } from '../../engine/database/index.js'
import { HEADER_BYTES, type StoredRecord } from '../../engine/database/index.js'
import { CorralError } from '../../engine/errors/index.js'

const rec = (key: Buffer, data: Buffer, rsn = 1n, dmaster = 0, flags = 0): StoredRecord => ({ key, header: { rsn, dmaster, flags }, data })

// The error thrown by fn, to check its code and message.
function failure (fn: () => unknown): CorralError {
  try {
    fn()
  } catch (err) {
    if (err instanceof CorralError) return err
    throw err
  }
  throw new Error('expected a CorralError, nothing was thrown')
}

t.test('a batch unpacks to the records that were packed', async t => {
  const binaryKey = Buffer.from([0x00, 0xff, 0x0a, 0x22, 0x5c, 0x00])
  const mib = Buffer.alloc(1024 * 1024, 0xab)
  mib[0] = 1; mib[mib.length - 1] = 2
  const records = [
    rec(binaryKey, Buffer.from('binary key'), 7n, 2, 0x10000),
    rec(Buffer.from('empty'), Buffer.alloc(0), 3n, 0xffffffff, 0),
    rec(Buffer.from('big'), mib, (1n << 64n) - 1n, 1, 0xffffffff),
  ]
  const packed = packRecords(records)
  t.equal(packed.length, records.reduce((n, r) => n + 8 + r.key.length + HEADER_BYTES + r.data.length, 0), 'u32 key length, key, u32 value length, header and data per record')
  const back = unpackRecords(packed, 3)
  t.equal(back.length, 3)
  for (let i = 0; i < 3; i++) {
    t.ok(back[i].key.equals(records[i].key), `record ${i}: the key comes back byte for byte`)
    t.ok(back[i].data.equals(records[i].data), `record ${i}: the data comes back byte for byte`)
    t.same(back[i].header, records[i].header, `record ${i}: the header comes back (rsn, dmaster, flags)`)
  }
  t.equal(back[1].data.length, 0, 'empty data stays empty, it is not dropped')
  t.equal(back[2].data.length, 1024 * 1024, 'a 1 MiB value survives whole')
})

t.test('the layout is little-endian lengths around the CTDB record', async t => {
  const packed = packRecords([rec(Buffer.from('ab'), Buffer.from('xyz'), 0x0102n, 3, 0x10000)])
  t.equal(packed.readUInt32LE(0), 2, 'key length')
  t.equal(packed.subarray(4, 6).toString(), 'ab', 'key')
  t.equal(packed.readUInt32LE(6), HEADER_BYTES + 3, 'value length: header + data')
  t.equal(packed.readBigUInt64LE(10), 0x0102n, 'rsn first in the header')
  t.equal(packed.readUInt32LE(18), 3, 'then the dmaster')
  t.equal(packed.readUInt32LE(26), 0x10000, 'flags after the reserved word')
  t.equal(packed.subarray(10 + HEADER_BYTES).toString(), 'xyz', 'data last')
})

t.test('an empty batch is zero bytes and unpacks to no records', async t => {
  t.equal(packRecords([]).length, 0)
  t.same(unpackRecords(Buffer.alloc(0)), [])
  t.same(unpackRecords(new Uint8Array(0), 0), [])
})

t.test('a batch inside a larger buffer is read from its own offset', async t => {
  const packed = packRecords([rec(Buffer.from('k'), Buffer.from('v'))])
  const big = new Uint8Array(packed.length + 20)
  big.set(packed, 7)
  const view = big.subarray(7, 7 + packed.length)
  const [r] = unpackRecords(view, 1)
  t.equal(r.key.toString(), 'k')
  t.equal(r.data.toString(), 'v')
})

t.test('a truncated batch is refused with the byte offset of the cut', async t => {
  const packed = packRecords([rec(Buffer.from('first'), Buffer.from('one')), rec(Buffer.from('second'), Buffer.from('two'))])
  const firstLen = 4 + 5 + 4 + HEADER_BYTES + 3

  const inLength = failure(() => unpackRecords(packed.subarray(0, firstLen + 2)))
  t.equal(inLength.code, 'CORRAL_E_FRAME_MALFORMED')
  t.match(inLength.message, `truncated at byte ${firstLen} (key length)`, 'cut inside the second key length')

  const inKey = failure(() => unpackRecords(packed.subarray(0, firstLen + 4 + 3)))
  t.equal(inKey.code, 'CORRAL_E_FRAME_MALFORMED')
  t.match(inKey.message, `truncated at byte ${firstLen + 4} (key of 6 bytes)`, 'cut inside the second key')

  const inValue = failure(() => unpackRecords(packed.subarray(0, packed.length - 1)))
  t.equal(inValue.code, 'CORRAL_E_FRAME_MALFORMED')
  t.match(inValue.message, `truncated at byte ${firstLen + 4 + 6 + 4} (value of ${HEADER_BYTES + 3} bytes)`, 'cut inside the second value')
})

t.test('a batch that lies about its lengths or its count is refused', async t => {
  const packed = packRecords([rec(Buffer.from('k'), Buffer.from('v'))])
  const longKey = Buffer.from(packed)
  longKey.writeUInt32LE(0xffffffff, 0)
  const e1 = failure(() => unpackRecords(longKey))
  t.equal(e1.code, 'CORRAL_E_FRAME_MALFORMED')
  t.match(e1.message, 'truncated at byte 4 (key of 4294967295 bytes)', 'a key length past the end')

  const longValue = Buffer.from(packed)
  longValue.writeUInt32LE(1000, 5)
  const e2 = failure(() => unpackRecords(longValue))
  t.equal(e2.code, 'CORRAL_E_FRAME_MALFORMED')
  t.match(e2.message, 'truncated at byte 9 (value of 1000 bytes)', 'a value length past the end')

  const e3 = failure(() => unpackRecords(packed, 2))
  t.equal(e3.code, 'CORRAL_E_FRAME_MALFORMED')
  t.match(e3.message, 'holds 1 records, its header says 2', 'a count that does not match')
  t.equal(failure(() => unpackRecords(Buffer.concat([packed, packed]), 1)).code, 'CORRAL_E_FRAME_MALFORMED', 'more records than the count says')
})

t.test('a value shorter than a record header is refused as a malformed batch, with its offset', async t => {
  // key "k", value of 10 bytes: inside the batch, but too short to hold the 24-byte header.
  const b = Buffer.alloc(4 + 1 + 4 + 10)
  b.writeUInt32LE(1, 0); b.write('k', 4); b.writeUInt32LE(10, 5)
  const e = failure(() => unpackRecords(b, 1))
  t.match(e.message, /shorter than the 24-byte header/, 'refused, not read as an empty record')
  t.equal(e.code, 'CORRAL_E_FRAME_MALFORMED', 'with the malformed-batch code like every other bad batch')
  t.match(e.message, /byte 9/, 'naming the byte offset of the short value')
})

t.test('checkPacked counts the records and refuses limits a push must not break, naming them', async t => {
  t.equal(checkPacked(packRecords([rec(Buffer.from('a'), Buffer.from('1')), rec(Buffer.from('b'), Buffer.alloc(0))]), 2), 2)
  t.equal(failure(() => checkPacked(packRecords([rec(Buffer.alloc(0), Buffer.from('1'))]))).code, 'CORRAL_E_USAGE', 'an empty key')
  t.equal(failure(() => checkPacked(packRecords([rec(Buffer.alloc(MAX_KEY_BYTES + 1), Buffer.from('1'))]))).code, 'CORRAL_E_DB_KEY_TOO_LARGE')
  t.equal(failure(() => checkPacked(packRecords([rec(Buffer.from('k'), Buffer.alloc(MAX_VALUE_BYTES + 1))]))).code, 'CORRAL_E_DB_VALUE_TOO_LARGE')
  t.match(failure(() => checkPacked(packRecords([rec(SEQNUM_KEY, Buffer.alloc(8))]))).message, /reserved/)
  t.match(failure(() => checkPacked(packRecords([rec(Buffer.from('k'), Buffer.from('1'))]), 3)).message, 'holds 1 records, its header says 3')
})

t.test('dropEmptyRecords leaves out header-only records and returns a batch without any as it was', async t => {
  const full = { packed: packRecords([rec(Buffer.from('a'), Buffer.from('1')), rec(Buffer.from('b'), Buffer.from('2'))]), count: 2 }
  t.equal(dropEmptyRecords(full), full, 'nothing to drop: the same object, no copy')
  const mixed = { packed: packRecords([rec(Buffer.from('e1'), Buffer.alloc(0)), rec(Buffer.from('a'), Buffer.from('1')), rec(Buffer.from('e2'), Buffer.alloc(0)), rec(Buffer.from('e3'), Buffer.alloc(0)), rec(Buffer.from('b'), Buffer.from('2')), rec(Buffer.from('e4'), Buffer.alloc(0))]), count: 6 }
  const kept = dropEmptyRecords(mixed)
  t.equal(kept.count, 2)
  t.same(unpackRecords(kept.packed, kept.count).map(r => `${r.key.toString()}=${r.data.toString()}`), ['a=1', 'b=2'])
  t.equal(dropEmptyRecords({ packed: packRecords([rec(Buffer.from('e'), Buffer.alloc(0))]), count: 1 }).count, 0)
})

t.test('keyBounds gives the first and the last key of a batch, nothing for an empty one, and refuses a truncated one', async t => {
  const packed = packRecords([rec(Buffer.from('apple'), Buffer.from('1')), rec(Buffer.from('kiwi'), Buffer.alloc(0)), rec(Buffer.from('pear'), Buffer.from('3'))])
  const b = keyBounds(packed)
  t.equal(b?.first.toString(), 'apple')
  t.equal(b?.last.toString(), 'pear')
  const one = keyBounds(packRecords([rec(Buffer.from('only'), Buffer.from('x'))]))
  t.equal(one?.first.toString(), 'only', 'one record is both bounds')
  t.equal(one?.last.toString(), 'only')
  t.equal(keyBounds(Buffer.alloc(0)), undefined)
  t.equal(failure(() => keyBounds(packed.subarray(0, packed.length - 1))).code, 'CORRAL_E_FRAME_MALFORMED')
})
