// Syslog datagrams in CTDB's two forms, built from pino's JSON lines. Pure: no I/O.
import { SYSLOG_MAX_MESSAGE_BYTES } from '../config/defaults.js'
import { levelNameOf, PINO_LEVEL, SYSLOG_SEVERITY } from './levels.js'
import type { SyslogFormat } from './location.js'

/** Facility `daemon`, as CTDB (LOG_DAEMON). */
export const FACILITY_DAEMON = 3

/** What the header of every datagram from one process carries. */
export interface SyslogOrigin {
  format: SyslogFormat
  program: string
  pid: number
  hostname: string
}

/** Keys that are in the header (or are the text) and so are not repeated as `key=value`. */
const HEADER_KEYS = new Set(['level', 'time', 'pid', 'hostname', 'program', 'msg'])

// Why: one pino line becomes one datagram: `<PRI>` header, the message, then `key=value` fields.
export function formatSyslog (line: string, origin: SyslogOrigin, maxBytes = SYSLOG_MAX_MESSAGE_BYTES): Buffer {
  const rec = parseRecord(line)
  const pri = FACILITY_DAEMON * 8 + SYSLOG_SEVERITY[levelNameOf(Number(rec.level))]
  const program = origin.program.replace(/\s/g, '_')
  const head = origin.format === 'rfc3164'
    ? `<${pri}>${program}[${origin.pid}]: `
    : `<${pri}>1 ${timestampOf(rec.time)} ${origin.hostname === '' ? '-' : origin.hostname} ${program} ${origin.pid} - - `
  return truncateUtf8(Buffer.from(head + syslogText(rec)), maxBytes)
}

// Why: the text must stay one line and readable in a plain syslog file, yet keep the structure.
export function syslogText (rec: Record<string, unknown>): string {
  const parts = [oneLine(String(rec.msg ?? ''))]
  for (const [k, v] of Object.entries(rec)) {
    if (HEADER_KEYS.has(k) || v === undefined) continue
    parts.push(`${k}=${fieldValue(v)}`)
  }
  return parts.filter(p => p !== '').join(' ')
}

// Bare when safe (`node=2`, `component=events`), JSON-quoted otherwise (`path="/a b"`).
function fieldValue (v: unknown): string {
  if (typeof v === 'string') return /^[^\s"=]+$/.test(v) ? v : JSON.stringify(oneLine(v))
  if (typeof v !== 'object' || v === null) return String(v)
  // pino serializes an Error as {type, message, stack}: its stack would eat the 1024 bytes.
  const e = v as { type?: unknown, message?: unknown, stack?: unknown }
  if (typeof e.message === 'string' && typeof e.stack === 'string') {
    return JSON.stringify(oneLine(typeof e.type === 'string' ? `${e.type}: ${e.message}` : e.message))
  }
  return JSON.stringify(v)
}

function oneLine (s: string): string {
  return s.replace(/[\r\n]+/g, ' ')
}

function parseRecord (line: string): Record<string, unknown> {
  try {
    const rec: unknown = JSON.parse(line)
    if (typeof rec === 'object' && rec !== null && !Array.isArray(rec)) return rec as Record<string, unknown>
  } catch { /* not JSON: sent as text */ }
  return { level: PINO_LEVEL.NOTICE, msg: line.trim() }
}

function timestampOf (time: unknown): string {
  return new Date(typeof time === 'number' ? time : Date.now()).toISOString()
}

// Why: a cut in the middle of a UTF-8 sequence would make the receiver reject or mangle the line.
export function truncateUtf8 (buf: Buffer, maxBytes: number): Buffer {
  if (buf.length <= maxBytes) return buf
  let cut = maxBytes
  while (cut > 0 && (buf[cut] & 0xc0) === 0x80) cut--
  return buf.subarray(0, cut)
}
