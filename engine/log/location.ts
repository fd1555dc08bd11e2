// `[logging] location` as CTDB spells it (corral-extended), parsed without any I/O.
import { isIP } from 'node:net'
import { DEFAULT_SYSLOG_ADDRESS } from '../config/defaults.js'
import { CorralError } from '../errors/index.js'

export type SyslogFormat = 'rfc3164' | 'rfc5424'

/** Where log messages go. */
export type LogLocation =
  | { kind: 'stderr' }
  | { kind: 'file', path: string }
  | { kind: 'syslog', format: SyslogFormat, host: string, port: number }

const FIELD = 'logging.location'
const KNOWN = 'stderr, file:PATH, syslog:udp[:HOST:PORT] or syslog:udp-rfc5424[:HOST:PORT]'

// Why: a wrong location must stop the daemon at start with a message naming the key and the value.
export function parseLocation (text: string): LogLocation {
  const t = text.trim()
  if (t === 'stderr' || t === 'file:' || t === 'file:-') return { kind: 'stderr' }
  if (t.startsWith('file:')) return { kind: 'file', path: t.slice('file:'.length) }
  const m = /^syslog:(udp|udp-rfc5424)(?::(.*))?$/.exec(t)
  if (m !== null) {
    const { host, port } = parseAddress(m[2] ?? DEFAULT_SYSLOG_ADDRESS)
    return { kind: 'syslog', format: m[1] === 'udp' ? 'rfc3164' : 'rfc5424', host, port }
  }
  if (t === 'syslog' || t === 'syslog:nonblocking') {
    throw bad(`log location '${text}' needs /dev/log, which Node.js cannot write to; use syslog:udp (see docs/logging.md)`)
  }
  throw bad(`unknown log location '${text}' (expected ${KNOWN})`)
}

// `HOST:PORT`, `[v6]:PORT`; a bare IPv6 address needs the brackets.
function parseAddress (addr: string): { host: string, port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:[\]]+)):([0-9]{1,5})$/.exec(addr)
  const host = m?.[1] ?? m?.[2]
  const port = Number(m?.[3])
  if (m === null || host === undefined || port < 1 || port > 65535) throw bad(`syslog address must be HOST:PORT, got '${addr}'`)
  if (m[1] !== undefined && isIP(host) !== 6) throw bad(`'${host}' in brackets is not an IPv6 address`)
  return { host, port }
}

function bad (message: string): CorralError {
  return new CorralError('CORRAL_E_CONFIG_VALUE', message, { place: { field: FIELD } })
}
