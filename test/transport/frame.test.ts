import t, { type Test } from 'tap'
import fc from 'fast-check'
import { encodeFrame, FrameDecoder, FrameFlags, HEADER_BYTES, type Frame } from '../../engine/transport/frame.js'
import { isCorralError } from '../../engine/errors/index.js'
import { MAX_FRAME_BYTES } from '../../engine/config/defaults.js'

const validFlags = fc.constantFrom(
  0,
  FrameFlags.RESPONSE,
  FrameFlags.RESPONSE | FrameFlags.ERROR,
  FrameFlags.RESPONSE | FrameFlags.STREAM_CONTINUES,
  FrameFlags.RESPONSE | FrameFlags.STREAM_END,
  FrameFlags.RESPONSE | FrameFlags.ERROR | FrameFlags.STREAM_END,
)
const frameArb: fc.Arbitrary<Frame> = fc.record({
  type: fc.integer({ min: 0, max: 0xffff }),
  flags: validFlags,
  requestId: fc.nat({ max: 0xffffffff }),
  body: fc.uint8Array({ maxLength: 300 }),
})

// Cut a byte string at the given (sorted, deduplicated) offsets.
function split (bytes: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map(c => c % (bytes.length + 1)))].sort((a, b) => a - b)
  const out: Buffer[] = []
  let at = 0
  for (const p of points) { out.push(bytes.subarray(at, p)); at = p }
  out.push(bytes.subarray(at))
  return out
}

const plain = (f: Frame) => ({ type: f.type, flags: f.flags, requestId: f.requestId, body: Buffer.from(f.body).toString('hex') })

t.test('frames survive encode then decode whatever way the byte stream is chunked', async t => {
  fc.assert(fc.property(fc.array(frameArb, { maxLength: 20 }), fc.array(fc.nat(), { maxLength: 40 }), (frames, cuts) => {
    const stream = Buffer.concat(frames.map(f => encodeFrame(f)))
    const decoder = new FrameDecoder()
    const got: Frame[] = []
    for (const chunk of split(stream, cuts)) got.push(...decoder.push(chunk))
    decoder.end()
    t.same(got.map(plain), frames.map(plain))
    return got.length === frames.length && decoder.bufferedBytes === 0
  }), { numRuns: 300 })
})

t.test('the header is 12 bytes, big-endian, with the length counting everything after it', async t => {
  const bytes = encodeFrame({ type: 0x0102, flags: FrameFlags.RESPONSE, requestId: 0x0a0b0c0d, body: Uint8Array.of(0xff) })
  t.equal(bytes.toString('hex'), '0000000901020100' + '0a0b0c0d' + 'ff')
  t.equal(HEADER_BYTES, 12)
})

function rejects (t: Test, bytes: Buffer, code: string, options: { maxFrameBytes?: number } = {}) {
  const decoder = new FrameDecoder(options)
  t.throws(() => decoder.push(bytes), { name: 'CorralError', code })
  t.throws(() => decoder.push(Buffer.alloc(0)), { code }, 'the decoder stays failed')
}

t.test('an oversized length is rejected from the 4-byte prefix alone', async t => {
  rejects(t, Buffer.from([0x7f, 0xff, 0xff, 0xff]), 'CORRAL_E_FRAME_TOO_LARGE')
  const len = Buffer.alloc(4); len.writeUInt32BE(MAX_FRAME_BYTES - 3)
  rejects(t, len, 'CORRAL_E_FRAME_TOO_LARGE')
  rejects(t, Buffer.from([0, 0, 0, 100]), 'CORRAL_E_FRAME_TOO_LARGE', { maxFrameBytes: 64 })
})

t.test('a frame of exactly the maximum size is accepted', async t => {
  const body = new Uint8Array(64 - HEADER_BYTES)
  const decoder = new FrameDecoder({ maxFrameBytes: 64 })
  t.equal(decoder.push(encodeFrame({ type: 1, flags: 0, requestId: 1, body }, 64)).length, 1)
  t.throws(() => encodeFrame({ type: 1, flags: 0, requestId: 1, body: new Uint8Array(53) }, 64), { code: 'CORRAL_E_FRAME_TOO_LARGE' })
})

t.test('a length shorter than the header is malformed', async t => {
  rejects(t, Buffer.from([0, 0, 0, 7]), 'CORRAL_E_FRAME_MALFORMED')
})

t.test('a non-zero reserved byte is malformed before the body arrives', async t => {
  rejects(t, Buffer.from([0, 0, 0, 100, 0, 1, 0, 1]), 'CORRAL_E_FRAME_MALFORMED')
})

t.test('unknown flag bits and contradictory stream flags are malformed', async t => {
  rejects(t, Buffer.from([0, 0, 0, 100, 0, 1, 0x10, 0]), 'CORRAL_E_FRAME_MALFORMED')
  rejects(t, Buffer.from([0, 0, 0, 100, 0, 1, 0x0d, 0]), 'CORRAL_E_FRAME_MALFORMED')
  rejects(t, Buffer.from([0, 0, 0, 100, 0, 1, FrameFlags.ERROR, 0]), 'CORRAL_E_FRAME_MALFORMED')
  t.throws(() => encodeFrame({ type: 1, flags: 0x40, requestId: 0, body: new Uint8Array() }), { code: 'CORRAL_E_FRAME_MALFORMED' })
})

t.test('a stream that ends inside a frame reports CORRAL_E_FRAME_TRUNCATED', async t => {
  const bytes = encodeFrame({ type: 5, flags: 0, requestId: 9, body: new Uint8Array(10) })
  const decoder = new FrameDecoder()
  t.same(decoder.push(bytes.subarray(0, 15)), [])
  t.throws(() => decoder.end(), { code: 'CORRAL_E_FRAME_TRUNCATED' })
  const clean = new FrameDecoder()
  clean.push(bytes)
  t.doesNotThrow(() => clean.end())
})

t.test('random garbage never crashes the decoder: it yields frames or a CorralError', async t => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), bytes => {
    const decoder = new FrameDecoder({ maxFrameBytes: 1024 })
    try { decoder.push(bytes) } catch (err) { return isCorralError(err) }
    return true
  }), { numRuns: 500 })
})
