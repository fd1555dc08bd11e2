// Reading decision records back: a decisions.jsonl file (one record per line), or one record
// (a single, possibly pretty-printed, JSON object). Every bad input names file, line and field.
import { CorralError } from '../errors/index.js'
import { addressKey } from '../ip/address.js'
import { DECISION_KINDS, DECISION_VERSION, type Decision, type TakeoverDecision } from './types.js'

/** A record and the line it starts on. */
export interface ReadDecision { line: number, record: Decision }

const ALGORITHMS = ['lcp2', 'deterministic', 'nondeterministic']

// Why: `ip plan --replay` and tests read what the leader wrote; a damaged line is named, never skipped.
export function parseDecisions (text: string, file: string): ReadDecision[] {
  const trimmed = text.trim()
  if (trimmed === '') throw new CorralError('CORRAL_E_DECISION_RECORD', 'no decision records (the file is empty)', { place: { file } })
  // One pretty-printed record (or an array of them), as `jq .` would print one.
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    let whole: unknown
    try { whole = JSON.parse(trimmed) } catch { whole = undefined }
    if (whole !== undefined) {
      const first = text.split('\n').findIndex(l => l.trim() !== '') + 1
      const list = Array.isArray(whole) ? whole : [whole]
      return list.map((r, i) => ({ line: first, record: checkRecord(r, { file, line: first }, Array.isArray(whole) ? `[${i}]` : '') }))
    }
  }
  const out: ReadDecision[] = []
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim()
    if (line === '') return
    const place = { file, line: i + 1 }
    let value: unknown
    try {
      value = JSON.parse(line)
    } catch (err) {
      throw new CorralError('CORRAL_E_DECISION_RECORD', `not JSON: ${(err as Error).message}`, { place })
    }
    out.push({ line: i + 1, record: checkRecord(value, place, '') })
  })
  return out
}

type Place = { file: string, line: number }

function bad (place: Place, field: string, message: string): never {
  throw new CorralError('CORRAL_E_DECISION_RECORD', message, { place: { ...place, field: field === '' ? undefined : field } })
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)
const show = (v: unknown): string => JSON.stringify(v) ?? String(v)

function int (o: Record<string, unknown>, k: string, place: Place, path: string, min = 0): number {
  const v = o[k]
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) bad(place, `${path}${k}`, `expected an integer >= ${min}, got ${show(v)}`)
  return v
}

function ints (v: unknown, place: Place, field: string): number[] {
  if (!Array.isArray(v) || v.some(x => typeof x !== 'number' || !Number.isInteger(x) || x < 0)) bad(place, field, `expected a list of node numbers, got ${show(v)}`)
  return v as number[]
}

function checkRecord (v: unknown, place: Place, prefix: string): Decision {
  const p = prefix === '' ? '' : `${prefix}.`
  if (!isObject(v)) bad(place, prefix, `expected a decision record (a JSON object), got ${show(v)}`)
  if (v.v !== DECISION_VERSION) bad(place, `${p}v`, `unknown record version ${show(v.v)} (this corral reads version ${DECISION_VERSION})`)
  if (!DECISION_KINDS.includes(v.kind as never)) bad(place, `${p}kind`, `expected one of ${DECISION_KINDS.join(', ')}, got ${show(v.kind)}`)
  int(v, 'timeMs', place, p)
  int(v, 'pnn', place, p)
  int(v, 'generation', place, p)
  if (v.kind === 'takeover') checkTakeover(v, place, p)
  return v as unknown as Decision
}

// A takeover record must carry everything the replay needs, each value of the right type.
function checkTakeover (v: Record<string, unknown>, place: Place, p: string): void {
  if (v.outcome !== 'ok' && v.outcome !== 'failed') bad(place, `${p}outcome`, `expected ok or failed, got ${show(v.outcome)}`)
  const inputs = v.inputs
  if (inputs === null) return
  if (!isObject(inputs)) bad(place, `${p}inputs`, `expected an object or null, got ${show(inputs)}`)
  const q = `${p}inputs.`
  ints(inputs.nodeFlags, place, `${q}nodeFlags`)
  if (!ALGORITHMS.includes(inputs.algorithm as string)) bad(place, `${q}algorithm`, `expected one of ${ALGORITHMS.join(', ')}, got ${show(inputs.algorithm)}`)
  for (const k of ['noIPFailback', 'noIPTakeover']) if (typeof inputs[k] !== 'boolean') bad(place, `${q}${k}`, `expected true or false, got ${show(inputs[k])}`)
  ints(inputs.forceRebalance, place, `${q}forceRebalance`)
  if (inputs.allowed !== null) ints(inputs.allowed, place, `${q}allowed`)
  if (!Array.isArray(inputs.ips)) bad(place, `${q}ips`, `expected a list, got ${show(inputs.ips)}`)
  inputs.ips.forEach((x: unknown, i: number) => {
    const f = `${q}ips[${i}]`
    if (!isObject(x)) bad(place, f, `expected {"ip", "owner", "available"}, got ${show(x)}`)
    if (typeof x.ip !== 'string' || addressKey(x.ip) === null) bad(place, `${f}.ip`, `not an IPv4 or IPv6 address: ${show(x.ip)}`)
    int(x, 'owner', place, `${f}.`, -1)
    ints(x.available, place, `${f}.available`)
  })
  const outputs = v.outputs
  if (outputs === null) return
  if (!isObject(outputs) || !Array.isArray(outputs.assignments)) bad(place, `${p}outputs.assignments`, `expected a list of {"ip", "pnn"}, got ${show(isObject(outputs) ? outputs.assignments : outputs)}`)
  outputs.assignments.forEach((a: unknown, i: number) => {
    const f = `${p}outputs.assignments[${i}]`
    if (!isObject(a) || typeof a.ip !== 'string') bad(place, f, `expected {"ip", "pnn"}, got ${show(a)}`)
    int(a, 'pnn', place, `${f}.`, -1)
  })
}

/** The takeover records among `records`. */
export function takeoverRecords (records: readonly ReadDecision[]): Array<{ line: number, record: TakeoverDecision }> {
  return records.filter((r): r is { line: number, record: TakeoverDecision } => r.record.kind === 'takeover')
}
