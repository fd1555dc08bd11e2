import t from 'tap'
import fc from 'fast-check'
import { create, equals, fromBinary, toBinary, type DescMessage } from '@bufbuild/protobuf'
import { EchoSchema, ErrorReplySchema, HelloSchema, PongSchema } from '../../protocol/gen/corral/v1/common_pb.js'
import {
  EventRunReplySchema, EventRunRequestSchema, EventStatusReplySchema, EventStatusRequestSchema,
  ScriptListReplySchema, ScriptListRequestSchema, ScriptSetReplySchema, ScriptSetRequestSchema,
} from '../../protocol/gen/corral/v1/events_pb.js'

const u32 = fc.nat({ max: 0xffffffff })
const i64 = fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n })
const u64 = fc.bigInt({ min: 0n, max: 2n ** 64n - 1n })
const s = fc.string({ maxLength: 30 })
const enumv = (max: number) => fc.integer({ min: 0, max })

const scriptResult = fc.record({
  name: s, kind: enumv(2), state: enumv(7),
  exitCode: fc.option(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), { nil: undefined }),
  signal: s, startedAtMs: i64, durationMs: u32, output: fc.string({ maxLength: 100 }), outputTruncated: fc.boolean(), reason: s,
})
const runRecord = fc.record({
  id: u64, component: s, event: s, args: fc.array(s, { maxLength: 3 }), state: enumv(6),
  queuedAtMs: i64, startedAtMs: i64, finishedAtMs: i64, deadlineMs: i64, scripts: fc.array(scriptResult, { maxLength: 3 }),
})
const scriptInfo = fc.record({ name: s, kind: enumv(2), enabled: fc.boolean(), path: s, linkTarget: s })

const cases: Array<[string, DescMessage, fc.Arbitrary<object>]> = [
  ['Hello', HelloSchema, fc.record({ version: u32, role: fc.constantFrom('cli', 'daemon', 'node'), pnn: u32, authNonce: fc.uint8Array({ maxLength: 32 }), authProof: fc.uint8Array({ maxLength: 32 }) })],
  ['ErrorReply', ErrorReplySchema, fc.record({ code: s, message: s })],
  ['Pong', PongSchema, fc.record({ daemonStartedMs: u64, pid: u32 })],
  ['Echo', EchoSchema, fc.record({ payload: fc.uint8Array({ maxLength: 64 }), repeat: u32, seq: u32 })],
  ['EventRunRequest', EventRunRequestSchema, fc.record({ component: s, event: s, args: fc.array(s, { maxLength: 4 }), timeoutMs: u32, runAll: fc.boolean() })],
  ['EventRunReply', EventRunReplySchema, fc.record({ run: runRecord })],
  ['EventStatusRequest', EventStatusRequestSchema, fc.record({ component: s, event: s, history: u32 })],
  ['EventStatusReply', EventStatusReplySchema, fc.record({ last: runRecord, history: fc.array(runRecord, { maxLength: 3 }) })],
  ['ScriptListRequest', ScriptListRequestSchema, fc.record({ component: s })],
  ['ScriptListReply', ScriptListReplySchema, fc.record({ scripts: fc.array(scriptInfo, { maxLength: 4 }) })],
  ['ScriptSetRequest', ScriptSetRequestSchema, fc.record({ component: s, script: s, enable: fc.boolean() })],
  ['ScriptSetReply', ScriptSetReplySchema, fc.record({ script: scriptInfo })],
]

for (const [name, schema, arb] of cases) {
  t.test(`${name} survives a protobuf encode/decode round trip`, async t => {
    fc.assert(fc.property(arb, init => {
      const msg = create(schema, init as never)
      return equals(schema, fromBinary(schema, toBinary(schema, msg)), msg)
    }), { numRuns: 200 })
    t.pass(`${name} round-trips`)
  })
}

t.test('golden bytes: a Hello for version 1 from the CLI encodes the same forever', async t => {
  const bytes = toBinary(HelloSchema, create(HelloSchema, { version: 1, role: 'cli', pnn: 0 }))
  t.equal(Buffer.from(bytes).toString('hex'), '0801120363 6c69'.replace(/ /g, ''))
})
