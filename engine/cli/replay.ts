// `corral ip plan --replay FILE`: rerun each recorded takeover plan offline, print it, and say
// whether it reproduces what the leader recorded (exit status 1 naming the addresses if not).
import { readFileSync } from 'node:fs'
import { CorralError, ERRORS } from '../errors/index.js'
import { parseDecisions, replayTakeover, takeoverRecords } from '../decisions/index.js'
import { readStdin, type GlobalOptions } from './context.js'
import { printJson, printText } from './output.js'

async function readInput (file: string): Promise<{ text: string, name: string }> {
  if (file === '-') return { text: await readStdin(), name: 'stdin' }
  try {
    return { text: readFileSync(file, 'utf8'), name: file }
  } catch (err) {
    throw new CorralError('CORRAL_E_USAGE', `--replay: cannot read ${file}: ${(err as Error).message}`, { place: { file }, cause: err })
  }
}

// Why: an admin (or a bug report) checks offline that a recorded plan follows from its inputs.
export async function ipPlanReplay (g: GlobalOptions, file: string): Promise<number> {
  const { text, name } = await readInput(file)
  const records = takeoverRecords(parseDecisions(text, name))
  if (records.length === 0) throw new CorralError('CORRAL_E_DECISION_RECORD', 'no takeover-plan records to replay (kind "takeover")', { place: { file: name } })
  const results = records.map(({ line, record }) => ({ line, record, replay: replayTakeover(record) }))
  const mismatched = results.filter(r => r.replay.differences.length > 0)
  if (g.json === true) {
    printJson({
      reproduced: mismatched.length === 0,
      records: results.map(({ line, record, replay }) => ({
        line, timeMs: record.timeMs, generation: record.generation, reason: record.reason, outcome: record.outcome,
        replayable: replay.replayable, reproduced: replay.differences.length === 0,
        assignments: replay.assignments, differences: replay.differences,
      })),
    })
    return mismatched.length === 0 ? 0 : ERRORS.CORRAL_E_REPLAY_MISMATCH.exit
  }
  const out: string[] = []
  for (const { line, record, replay } of results) {
    const head = `# ${name}:${line}: takeover run at ${new Date(record.timeMs).toISOString()}, generation ${record.generation}, reason: ${record.reason}`
    if (!replay.replayable) { out.push(`${head}: nothing to replay (${record.outcome === 'failed' ? `failed before allocating: ${record.error ?? ''}` : 'no addresses'})`); continue }
    out.push(`${head}: ${replay.differences.length === 0 ? 'reproduced' : 'DIFFERS'}`)
    out.push(...replay.assignments.map(a => `${a.ip} ${a.pnn}`))
  }
  printText(out.join('\n'))
  if (mismatched.length > 0) {
    const lines = mismatched.flatMap(r => r.replay.differences.map(d => `${name}:${r.line}: ${d.ip} recorded on ${d.recorded ?? 'none'}, replayed on ${d.replayed ?? 'none'}`))
    throw new CorralError('CORRAL_E_REPLAY_MISMATCH', `${mismatched.length} recorded plan(s) did not reproduce:\n${lines.join('\n')}`)
  }
  return 0
}
