import t from 'tap'
import fc from 'fast-check'
import { fromBinary, toBinary } from '@bufbuild/protobuf'
import { RunRecordSchema, ScriptInfoSchema, ScriptResultSchema } from '../../protocol/gen/corral/v1/events_pb.js'
import type { RunRecord, ScriptInfo, ScriptResult } from '../../engine/events/types.js'
import {
  runRecordFromProto, runRecordToProto, scriptInfoFromProto, scriptInfoToProto, scriptResultFromProto, scriptResultToProto,
} from '../../engine/transport/events-mapping.js'

const ms = fc.integer({ min: 0, max: 4_102_444_800_000 }) // up to year 2100
const text = fc.string({ maxLength: 40 })
const kind = fc.constantFrom('script' as const, 'plugin' as const)

const scriptResult: fc.Arbitrary<ScriptResult> = fc.record({
  name: text,
  kind,
  state: fc.constantFrom('OK', 'ERROR', 'TIMEDOUT', 'DISABLED', 'CANCELLED', 'CANNOT_RUN', 'NOT_RUN'),
  exitCode: fc.option(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), { nil: null }),
  signal: fc.option(fc.constantFrom('SIGTERM', 'SIGKILL'), { nil: null }),
  startedAt: ms,
  durationMs: fc.nat({ max: 2 ** 32 - 1 }),
  output: fc.string({ maxLength: 200 }),
  outputTruncated: fc.boolean(),
  reason: text,
})

const runRecord: fc.Arbitrary<RunRecord> = fc.record({
  id: fc.nat(),
  component: text,
  event: text,
  args: fc.array(text, { maxLength: 4 }),
  state: fc.constantFrom('QUEUED', 'RUNNING', 'OK', 'FAILED', 'TIMEDOUT', 'CANCELLED'),
  queuedAt: ms,
  startedAt: ms,
  finishedAt: ms,
  deadline: ms,
  scripts: fc.array(scriptResult, { maxLength: 5 }),
})

const scriptInfo: fc.Arbitrary<ScriptInfo> = fc.record({
  name: text,
  kind,
  enabled: fc.boolean(),
  path: text,
  linkTarget: fc.option(fc.string({ minLength: 1, maxLength: 40 }), { nil: null }),
})

t.test('a RunRecord survives TS -> protobuf bytes -> TS unchanged', async t => {
  fc.assert(fc.property(runRecord, r => {
    const bytes = toBinary(RunRecordSchema, runRecordToProto(r))
    t.same(runRecordFromProto(fromBinary(RunRecordSchema, bytes)), r)
  }), { numRuns: 200 })
})

t.test('a ScriptResult keeps null exit code and null signal apart from 0 and ""', async t => {
  fc.assert(fc.property(scriptResult, r => {
    const back = scriptResultFromProto(fromBinary(ScriptResultSchema, toBinary(ScriptResultSchema, scriptResultToProto(r))))
    t.same(back, r)
  }), { numRuns: 200 })
  const zero = scriptResultFromProto(scriptResultToProto({ name: '01.x', kind: 'script', state: 'OK', exitCode: 0, signal: null, startedAt: 1, durationMs: 2, output: '', outputTruncated: false, reason: '' }))
  t.equal(zero.exitCode, 0, 'exit code 0 is sent, not dropped as a default')
})

t.test('a ScriptInfo survives the round trip, with no link target as null', async t => {
  fc.assert(fc.property(scriptInfo, s => {
    t.same(scriptInfoFromProto(fromBinary(ScriptInfoSchema, toBinary(ScriptInfoSchema, scriptInfoToProto(s)))), s)
  }), { numRuns: 200 })
})

t.test('an unspecified or unknown enum from the wire is refused with CORRAL_E_FRAME_MALFORMED', async t => {
  const m = runRecordToProto({ id: 1, component: 'legacy', event: 'monitor', args: [], state: 'OK', queuedAt: 0, startedAt: 0, finishedAt: 0, deadline: 0, scripts: [] })
  m.state = 0
  t.throws(() => runRecordFromProto(m), { code: 'CORRAL_E_FRAME_MALFORMED' })
  m.state = 42 as typeof m.state
  t.throws(() => runRecordFromProto(m), { code: 'CORRAL_E_FRAME_MALFORMED' })
})
