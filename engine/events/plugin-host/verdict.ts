// Turning whatever a handler returned or threw into a result: pure, so it is tested with a table.
import { inspect } from 'node:util'

export interface Verdict {
  state: 'OK' | 'ERROR' | 'DEGRADED'
  reason: string
}

// Why: only nothing, `{ ok: false, reason }` and `{ status: 'degraded', reason }` are results; anything else is a bug in the plugin.
export function verdictOf (value: unknown): Verdict {
  if (value === undefined || value === null) return { state: 'OK', reason: '' }
  if (typeof value === 'object' && !Array.isArray(value)) {
    const v = value as { ok?: unknown, status?: unknown, reason?: unknown }
    const reason = typeof v.reason === 'string' ? oneLine(v.reason) : ''
    if (v.ok === false && v.status === undefined) return { state: 'ERROR', reason: reason === '' ? 'plugin reported a failure' : reason }
    if (v.status === 'degraded' && v.ok === undefined) return { state: 'DEGRADED', reason: reason === '' ? 'no reason given' : reason }
  }
  const shown = inspect(value, { depth: 2, breakLength: Infinity }).slice(0, 200)
  return { state: 'ERROR', reason: `CORRAL_E_PLUGIN_RESULT: handler returned ${shown}; expected nothing, { ok: false, reason } or { status: 'degraded', reason }` }
}

// Why: a thrown value becomes ERROR; the reason is its first line, the rest goes to the output.
export function thrownVerdict (err: unknown): { reason: string, detail: string } {
  const cmd = commandFailure(err)
  if (cmd !== null) return cmd
  const text = err instanceof Error ? err.message : typeof err === 'string' ? err : inspect(err, { depth: 2 })
  const lines = text.split('\n')
  const first = lines.findIndex(l => l.trim() !== '')
  if (first < 0) return { reason: err instanceof Error ? `${err.name} thrown without a message` : 'plugin threw an empty value', detail: '' }
  return { reason: lines[first].trim(), detail: lines.slice(first + 1).join('\n').trim() }
}

/** zx's ProcessOutput (a failed `ctx.$` command): say how it ended, then what it printed on stderr. */
function commandFailure (err: unknown): { reason: string, detail: string } | null {
  if (typeof err !== 'object' || err === null) return null
  const e = err as { exitCode?: unknown, signal?: unknown, stderr?: unknown, stdout?: unknown }
  if (!('exitCode' in e) || typeof e.stderr !== 'string' || typeof e.stdout !== 'string') return null
  const how = typeof e.exitCode === 'number' ? `exit code ${e.exitCode}` : `signal ${String(e.signal)}`
  const first = e.stderr.split('\n').find(l => l.trim() !== '')?.trim()
  return { reason: `command failed with ${how}${first === undefined ? '' : `: ${first}`}`, detail: e.stderr.trim() }
}

function oneLine (s: string): string {
  return s.split('\n').map(l => l.trim()).filter(l => l !== '').join(' / ')
}
