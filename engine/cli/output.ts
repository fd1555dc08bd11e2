// How the CLI prints results and failures, in text or JSON.
import { CorralError, exitCodeOf } from '../errors/index.js'

// Why: one place decides what a failure looks like and which status the process exits with.
export function reportFailure (err: unknown, json: boolean): number {
  const code = err instanceof CorralError ? err.code : 'CORRAL_E_INTERNAL'
  const message = err instanceof Error ? err.message : String(err)
  if (json) {
    process.stdout.write(JSON.stringify({ error: { code, message } }, null, 2) + '\n')
  } else {
    process.stderr.write(`corral: ${message}${err instanceof CorralError ? '' : ` (${code})`}\n`)
    if (!(err instanceof CorralError) && process.env.CORRAL_DEBUG === '1' && err instanceof Error) process.stderr.write(`${err.stack ?? ''}\n`)
  }
  return exitCodeOf(err)
}

// Why: every command prints JSON the same way (2-space indent, trailing newline).
export function printJson (value: unknown): void {
  process.stdout.write(JSON.stringify(value, (_k, v: unknown) => typeof v === 'bigint' ? Number(v) : v, 2) + '\n')
}

// Why: text output goes through one function so tests and pipes see whole lines.
export function printText (text: string): void {
  if (text === '') return
  process.stdout.write(text.endsWith('\n') ? text : text + '\n')
}
