// Public API of logging: pino with CTDB's levels, and sinks that never block the daemon.
import { hostname } from 'node:os'
import { pino, type Logger } from 'pino'
import { DEFAULT_SYSLOG_ADDRESS } from '../config/defaults.js'
import { CorralError } from '../errors/index.js'
import { parseLogLevel, type LevelName } from './levels.js'
import { StreamSink, SyslogSink, type Sink } from './sinks.js'

export { parseLogLevel, levelNameOf, LEVEL_NAMES, CTDB_LEVEL, PINO_LEVEL, SYSLOG_SEVERITY, type LevelName } from './levels.js'
export { StreamSink, SyslogSink, type Sink } from './sinks.js'

const CUSTOM_LEVELS = { error: 50, warning: 40, warn: 40, notice: 35, info: 30, debug: 20 }
type Levels = keyof typeof CUSTOM_LEVELS

/** A pino logger with CTDB's levels (`warn` is an alias of `warning`) and corral's sink controls. */
export type CorralLogger = Logger<Levels> & {
  reopen (): void
  droppedCount (): number
  setLevel (level: string): void
  flushAndClose (): Promise<void>
}

export interface LoggerOptions {
  /** `stderr`, `file:PATH`, `syslog:udp[:HOST:PORT]`, `syslog:udp-rfc5424[:HOST:PORT]`. */
  location: string
  level: string
  program: string
  bindings?: Record<string, unknown>
}

// Why: turns `[logging] location` into a sink, with an error that names the key when it is wrong.
export function sinkFor (location: string, program: string): Sink {
  if (location === 'stderr' || location === 'file:' || location === 'file:-') return new StreamSink('stderr', { fd: 2 })
  if (location.startsWith('file:')) return new StreamSink(location, { path: location.slice(5) })
  const m = /^syslog:(udp|udp-rfc5424)(?::(.+))?$/.exec(location)
  if (m !== null) {
    const addr = m[2] ?? DEFAULT_SYSLOG_ADDRESS
    const hp = /^\[?([^\]]+?)\]?:([0-9]{1,5})$/.exec(addr)
    if (hp === null || Number(hp[2]) > 65535) throw new CorralError('CORRAL_E_CONFIG_VALUE', `syslog address must be HOST:PORT, got '${addr}'`, { place: { field: 'logging.location' } })
    return new SyslogSink(location, m[1] === 'udp' ? '3164' : '5424', hp[1], Number(hp[2]), program)
  }
  throw new CorralError('CORRAL_E_CONFIG_VALUE', `unknown log location '${location}' (stderr, file:PATH, syslog:udp[:HOST:PORT], syslog:udp-rfc5424[:HOST:PORT])`, { place: { field: 'logging.location' } })
}

// Why: every component logs through one logger per daemon; children add their bindings.
export function createLogger (o: LoggerOptions): CorralLogger {
  const level = parseLogLevel(o.level)
  const sink = sinkFor(o.location, o.program)
  const pretty = sink.name === 'stderr' && process.stderr.isTTY === true
  const dest = pretty ? prettyStream() : { write: (s: string) => sink.write(s) }
  const logger = pino({
    customLevels: CUSTOM_LEVELS,
    useOnlyCustomLevels: true,
    level: pinoName(level),
    base: { pid: process.pid, hostname: hostname(), program: o.program, ...o.bindings },
    messageKey: 'msg',
  }, dest) as unknown as CorralLogger
  logger.reopen = () => { sink.reopen() }
  logger.droppedCount = () => sink.dropped()
  logger.setLevel = (l: string) => { logger.level = pinoName(parseLogLevel(l)) }
  logger.flushAndClose = async () => { await sink.close() }
  return logger
}

function pinoName (l: LevelName): Levels {
  return l === 'WARNING' ? 'warning' : (l.toLowerCase() as Levels)
}

// pino-pretty is loaded only for an interactive terminal; it writes synchronously to stderr there.
function prettyStream (): { write (s: string): void } {
  let pretty: { write (s: string): void } | undefined
  const pending: string[] = []
  void import('pino-pretty').then(m => {
    pretty = m.default({ sync: true, destination: 2, customLevels: 'error:50,warning:40,notice:35,info:30,debug:20', useOnlyCustomProps: true, colorize: true })
    for (const s of pending.splice(0)) pretty.write(s)
  })
  return { write: (s: string) => { if (pretty === undefined) pending.push(s); else pretty.write(s) } }
}

// Why: logrotate moves the file and sends SIGHUP; the daemon then writes to a fresh file.
export function installSighupReopen (logger: CorralLogger): () => void {
  const onHup = (): void => { logger.reopen(); logger.notice({}, 'log reopened on SIGHUP') }
  process.on('SIGHUP', onHup)
  return () => { process.off('SIGHUP', onHup) }
}

