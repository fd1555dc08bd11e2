// Converts the event runner's TypeScript records (engine/events/types.ts) to and from the generated
// corral.v1 messages. Absent values travel as proto3 defaults: null exit code = field unset,
// null signal / link target = "", ms timestamps as int64.
import { create, type MessageShape } from '@bufbuild/protobuf'
import {
  RunRecordSchema, RunState as PbRunState, ScriptInfoSchema, ScriptKind as PbScriptKind,
  ScriptResultSchema, ScriptState as PbScriptState,
  type RunRecord as PbRunRecord, type ScriptInfo as PbScriptInfo, type ScriptResult as PbScriptResult,
} from '../../protocol/gen/corral/v1/events_pb.js'
import type { RunRecord, RunState, ScriptInfo, ScriptResult, ScriptState } from '../events/types.js'
import { CorralError } from '../errors/index.js'

const KINDS = { script: PbScriptKind.SCRIPT, plugin: PbScriptKind.PLUGIN } as const

// Why: the daemon sends script results to the CLI; the CLI turns them back into the runner's type.
export function scriptResultToProto (r: ScriptResult): PbScriptResult {
  return create(ScriptResultSchema, {
    name: r.name,
    kind: KINDS[r.kind],
    state: PbScriptState[r.state],
    exitCode: r.exitCode ?? undefined,
    signal: r.signal ?? '',
    startedAtMs: ms(r.startedAt),
    durationMs: Math.max(0, Math.round(r.durationMs)),
    output: r.output,
    outputTruncated: r.outputTruncated,
    reason: r.reason,
  })
}

// Why: see scriptResultToProto; unknown enum values from a newer peer are refused, not guessed.
export function scriptResultFromProto (m: MessageShape<typeof ScriptResultSchema>): ScriptResult {
  return {
    name: m.name,
    kind: kindFromProto(m.kind),
    state: enumName(PbScriptState, m.state, 'ScriptState') as ScriptState,
    exitCode: m.exitCode ?? null,
    signal: m.signal === '' ? null : m.signal,
    startedAt: Number(m.startedAtMs),
    durationMs: m.durationMs,
    output: m.output,
    outputTruncated: m.outputTruncated,
    reason: m.reason,
  }
}

// Why: `event run` and `event status` replies carry whole run records.
export function runRecordToProto (r: RunRecord): PbRunRecord {
  return create(RunRecordSchema, {
    id: ms(r.id),
    component: r.component,
    event: r.event,
    args: [...r.args],
    state: PbRunState[r.state],
    queuedAtMs: ms(r.queuedAt),
    startedAtMs: ms(r.startedAt),
    finishedAtMs: ms(r.finishedAt),
    deadlineMs: ms(r.deadline),
    scripts: r.scripts.map(scriptResultToProto),
  })
}

// Why: see runRecordToProto.
export function runRecordFromProto (m: MessageShape<typeof RunRecordSchema>): RunRecord {
  return {
    id: Number(m.id),
    component: m.component,
    event: m.event,
    args: [...m.args],
    state: enumName(PbRunState, m.state, 'RunState') as RunState,
    queuedAt: Number(m.queuedAtMs),
    startedAt: Number(m.startedAtMs),
    finishedAt: Number(m.finishedAtMs),
    deadline: Number(m.deadlineMs),
    scripts: m.scripts.map(scriptResultFromProto),
  }
}

// Why: `event script list|enable|disable` replies carry directory entries.
export function scriptInfoToProto (s: ScriptInfo): PbScriptInfo {
  return create(ScriptInfoSchema, {
    name: s.name,
    kind: KINDS[s.kind],
    enabled: s.enabled,
    path: s.path,
    linkTarget: s.linkTarget ?? '',
  })
}

// Why: see scriptInfoToProto.
export function scriptInfoFromProto (m: MessageShape<typeof ScriptInfoSchema>): ScriptInfo {
  return {
    name: m.name,
    kind: kindFromProto(m.kind),
    enabled: m.enabled,
    path: m.path,
    linkTarget: m.linkTarget === '' ? null : m.linkTarget,
  }
}

function ms (n: number): bigint {
  return BigInt(Math.round(n))
}

function kindFromProto (k: PbScriptKind): 'script' | 'plugin' {
  if (k === PbScriptKind.SCRIPT) return 'script'
  if (k === PbScriptKind.PLUGIN) return 'plugin'
  throw new CorralError('CORRAL_E_FRAME_MALFORMED', `unknown ScriptKind ${k}`)
}

// The TS string for a generated enum value; UNSPECIFIED and unknown numbers are malformed input.
function enumName (e: Record<number, string>, value: number, what: string): string {
  const name = e[value]
  if (name === undefined || value === 0) throw new CorralError('CORRAL_E_FRAME_MALFORMED', `unknown ${what} ${value}`)
  return name
}
