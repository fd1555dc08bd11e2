// ctx.log: a pino-shaped logger whose lines are the run's output, like a script's stdout.
import { format, inspect } from 'node:util'
import type { PluginLog, PluginLogFn } from '../plugin-api.js'

const LEVELS = ['fatal', 'error', 'warn', 'notice', 'info', 'debug', 'trace'] as const
type Level = typeof LEVELS[number]
/** CTDB's words in front of a line; info lines are bare, as a script's `echo` would be. */
const PREFIX: Record<Level, string> = { fatal: 'FATAL: ', error: 'ERROR: ', warn: 'WARNING: ', notice: 'NOTICE: ', info: '', debug: 'DEBUG: ', trace: 'TRACE: ' }

function field (k: string, v: unknown): string {
  if (v instanceof Error) return `${k}=${JSON.stringify(v.message)}`
  if (typeof v === 'string') return /^[^\s"=]+$/.test(v) ? `${k}=${v}` : `${k}=${JSON.stringify(v)}`
  if (typeof v === 'number' || typeof v === 'boolean' || v === null || v === undefined) return `${k}=${String(v)}`
  try { return `${k}=${JSON.stringify(v)}` } catch { return `${k}=${inspect(v, { depth: 1, breakLength: Infinity })}` }
}

// Why: one line per call; `(obj, msg, ...args)` and `(msg, ...args)` as pino takes them, fields as key=value.
export function formatLogLine (level: Level, bindings: Record<string, unknown>, args: unknown[]): string {
  let fields: Record<string, unknown> = bindings
  let rest = args
  if (args[0] instanceof Error) {
    const e = args[0]
    rest = args.length > 1 ? args.slice(1) : [e.message]
    fields = { ...bindings, ...(args.length > 1 ? { err: e } : {}) }
  } else if (typeof args[0] === 'object' && args[0] !== null) {
    fields = { ...bindings, ...args[0] as Record<string, unknown> }
    rest = args.slice(1)
  }
  const msg = rest.length === 0 ? '' : typeof rest[0] === 'string' ? format(...rest as [string, ...unknown[]]) : format('%o', ...rest)
  const kv = Object.entries(fields).map(([k, v]) => field(k, v)).join(' ')
  const text = [msg, kv].filter(s => s !== '').join(' ')
  return `${PREFIX[level]}${text}\n`
}

// Why: the host builds one per run; `write` sends the line to the daemon as the run's output.
export function createPluginLog (write: (line: string) => void, bindings: Record<string, unknown> = {}): PluginLog {
  const log = { child: (more: Record<string, unknown>) => createPluginLog(write, { ...bindings, ...more }) } as PluginLog
  for (const level of LEVELS) {
    const fn: PluginLogFn = (...args: unknown[]) => { write(formatLogLine(level, bindings, args)) }
    log[level] = fn
  }
  return log
}
