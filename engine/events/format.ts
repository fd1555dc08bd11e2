// Pure text for the CLI: CTDB's `event status` table, script lists, and run outcomes with exit codes.
// Kept free of heavy imports: the CLI loads it on every `corral event` command.
import type { RunRecord, ScriptInfo, ScriptResult } from './types.js'

/** Exit statuses of `event run` / `event status` (Linux errno numbers, as CTDB). */
export const RUN_EXIT = { OK: 0, FAILED: 8, TIMEDOUT: 110, CANCELLED: 125 } as const

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat']
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']

// Why: CTDB prints start times with ctime(3); admins' log-reading habits depend on the format.
export function ctime (ms: number): string {
  const d = new Date(ms)
  const p2 = (n: number): string => String(n).padStart(2, '0')
  return `${DAYS[d.getDay()]} ${MONTHS[d.getMonth()]} ${String(d.getDate()).padStart(2, ' ')} ${p2(d.getHours())}:${p2(d.getMinutes())}:${p2(d.getSeconds())} ${d.getFullYear()}`
}

const WORD: Record<ScriptResult['state'], string> = {
  OK: 'OK', DEGRADED: 'DEGRADED', ERROR: 'ERROR', TIMEDOUT: 'TIMEDOUT', DISABLED: 'DISABLED', CANCELLED: 'CANCELLED', CANNOT_RUN: 'CANNOT RUN', NOT_RUN: 'NOT RUN',
}

function outputLines (s: ScriptResult): string[] {
  const text = s.output.replace(/\n+$/, '')
  const out: string[] = []
  if (text.includes('\n')) {
    out.push('  OUTPUT:')
    for (const l of text.split('\n')) out.push(`    ${l}`)
  } else if ((s.state !== 'OK' && s.state !== 'DEGRADED') || text !== '') {
    out.push(`  OUTPUT: ${text}`)
  }
  if (s.outputTruncated) out.push('    [output truncated at the configured cap]')
  return out
}

// Why: `%-20s %-10s %.3f <ctime>` per script, as `ctdb event status`, plus why a script did not succeed.
export function formatStatus (run: RunRecord): string {
  const lines: string[] = []
  if (run.state === 'CANCELLED' && run.scripts.length === 0) lines.push(`(event ${run.event} in ${run.component} was cancelled before any script ran)`)
  for (const s of run.scripts) {
    const head = `${s.name.padEnd(20)} ${WORD[s.state].padEnd(10)}`
    if (s.state === 'DISABLED' || s.state === 'NOT_RUN') {
      lines.push(s.state === 'NOT_RUN' && s.reason !== '' ? `${head} (${s.reason})` : head)
      continue
    }
    if (s.startedAt === 0) {
      lines.push(`${head} ${s.reason}`)
      continue
    }
    lines.push(s.state === 'TIMEDOUT' ? `${head} ${ctime(s.startedAt)}` : `${head} ${(s.durationMs / 1000).toFixed(3)} ${ctime(s.startedAt)}`)
    if (s.state !== 'OK' && s.state !== 'ERROR' && s.reason !== '') lines.push(`  REASON: ${s.reason}`)
    if ((s.state !== 'OK' && s.state !== 'DEGRADED') || s.output !== '') lines.push(...outputLines(s))
  }
  return lines.join('\n')
}

// Why: scripts and CTDB-era tooling branch on the exit status of `event run`.
export function runExitCode (run: RunRecord): number {
  switch (run.state) {
    case 'OK': return RUN_EXIT.OK
    case 'TIMEDOUT': return RUN_EXIT.TIMEDOUT
    case 'CANCELLED': return RUN_EXIT.CANCELLED
    default: return RUN_EXIT.FAILED
  }
}

// Why: one line on stderr says what happened, in CTDB's words.
export function formatRunOutcome (run: RunRecord): string {
  switch (run.state) {
    case 'OK': return ''
    case 'TIMEDOUT': return `Event ${run.event} in ${run.component} timed out`
    case 'CANCELLED': return `Event ${run.event} in ${run.component} got cancelled`
    default: {
      const bad = run.scripts.find(s => s.state === 'ERROR' || s.state === 'CANNOT_RUN')
      return `Event ${run.event} in ${run.component} failed${bad === undefined ? '' : ` (${bad.name}: ${bad.reason})`}`
    }
  }
}

// Why: `event script list` marks enabled entries with `*`, as CTDB does.
export function formatScriptList (scripts: ScriptInfo[]): string {
  return scripts.map(s => `${s.enabled ? '*' : ' '} ${s.name}${s.kind === 'plugin' ? ' (plugin)' : ''}${s.linkTarget !== null ? ` -> ${s.linkTarget}` : ''}`).join('\n')
}
