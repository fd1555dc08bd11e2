// Public API of logging: pino with CTDB's levels, and sinks that never block the daemon.
import { hostname } from 'node:os'
import { pino, type Bindings, type ChildLoggerOptions, type Logger } from 'pino'
import { levelNameOf, parseLogLevel, PINO_CUSTOM_LEVELS, pinoLevelOf, type LevelName, type PinoLevel } from './levels.js'
import { parseLocation, type LogLocation } from './location.js'
import { prettifier } from './pretty.js'
import { droppedMessage, type Sink } from './sink.js'
import { StreamSink } from './stream-sink.js'
import { SyslogSink } from './syslog-sink.js'

export { parseLogLevel, levelNameOf, pinoLevelOf, LEVEL_NAMES, CTDB_LEVEL, PINO_LEVEL, SYSLOG_SEVERITY, type LevelName, type PinoLevel } from './levels.js'
export { parseLocation, type LogLocation, type SyslogFormat } from './location.js'
export { formatSyslog, syslogText, FACILITY_DAEMON, type SyslogOrigin } from './syslog-format.js'
export { droppedMessage, type Sink, type DropReporter } from './sink.js'
export { StreamSink, type StreamSinkOptions } from './stream-sink.js'
export { SyslogSink, type SyslogSinkOptions } from './syslog-sink.js'

/** What corral adds to a pino logger; child loggers inherit it (and share the root's sink). */
export interface LogControls {
  /** Reopen a log file (after logrotate moved it); a no-op for stderr and syslog. */
  reopen (): void
  /** Messages the sink dropped because it was behind (for metrics). */
  droppedCount (): number
  /** Change the level at run time (`corral setdebug`): CTDB name, prefix or number 0-10. */
  setLevel (level: string | number): void
  /** The current level as CTDB names it (`corral getdebug`). */
  getLevel (): LevelName
  /** The sink's name, e.g. `file:/var/log/corral.log`. */
  readonly sinkName: string
  /** Write what is buffered (bounded by LOG_CLOSE_TIMEOUT_MS) and close the sink; later messages are ignored. */
  flushAndClose (): Promise<void>
}

/** A pino logger with only CTDB's levels (`warn` is an alias of `warning`) and corral's controls. */
export type CorralLogger = Omit<Logger<PinoLevel, true>, 'child'> & LogControls & {
  /** A logger for one component (`{ component: 'events' }`); same sink, same level. */
  child (bindings: Bindings, options?: ChildLoggerOptions<PinoLevel>): CorralLogger
}

export interface LoggerOptions {
  /** `stderr`, `file:PATH`, `syslog:udp[:HOST:PORT]`, `syslog:udp-rfc5424[:HOST:PORT]` (docs/logging.md). */
  location: string
  /** CTDB name, prefix or number 0-10. */
  level: string | number
  /** The program name in syslog headers and in every JSON line: `corrald`, `corral`. */
  program: string
  /** Fields on every line (e.g. `{ pnn: 0 }`). */
  bindings?: Record<string, unknown>
  /** Pretty output on stderr; @default whether stderr is a terminal */
  pretty?: boolean
  /** Bytes a file or stderr sink buffers. @default LOG_STREAM_BUFFER_BYTES */
  bufferBytes?: number
  /** Syslog datagrams in flight. @default LOG_SINK_BUFFER_MESSAGES */
  bufferMessages?: number
}

// Why: every component logs through one logger per process; components take `child({component})`.
export function createLogger (o: LoggerOptions): CorralLogger {
  const level = parseLogLevel(o.level)
  const location = parseLocation(o.location)
  const sink = openSink(location, o)
  const pretty = location.kind === 'stderr' && (o.pretty ?? process.stderr.isTTY === true)
    ? prettifier(process.stderr.isTTY === true)
    : undefined
  const dest = { write: pretty === undefined ? (s: string) => { sink.write(s) } : (s: string) => { sink.write(pretty(s)) } }
  const logger = pino({
    customLevels: PINO_CUSTOM_LEVELS,
    useOnlyCustomLevels: true,
    level: pinoLevelOf(level),
    base: { pid: process.pid, hostname: hostname(), program: o.program, ...o.bindings },
  }, dest)
  sink.onRecovered = n => { logger.warning({ dropped: n, sink: sink.name }, droppedMessage(n, sink.name)) }
  const controls: LogControls = {
    reopen: () => { sink.reopen() },
    droppedCount: () => sink.dropped(),
    setLevel: (l: string | number) => { logger.level = pinoLevelOf(parseLogLevel(l, 'level')) },
    getLevel: () => levelNameOf(logger.levelVal),
    sinkName: sink.name,
    flushAndClose: async () => { await sink.close() },
  }
  return Object.assign(logger, controls) as unknown as CorralLogger
}

// Why: one place maps a parsed location to the sink that serves it.
function openSink (location: LogLocation, o: LoggerOptions): Sink {
  switch (location.kind) {
    case 'stderr': return new StreamSink('stderr', { fd: 2 }, { maxBytes: o.bufferBytes })
    case 'file': return new StreamSink(`file:${location.path}`, { path: location.path }, { maxBytes: o.bufferBytes })
    case 'syslog': return new SyslogSink({ ...location, program: o.program, limit: o.bufferMessages })
  }
}

// Why: logrotate moves the file and sends SIGHUP; the daemon then writes to a fresh file (as ctdbd).
export function installSighupReopen (logger: CorralLogger): () => void {
  const onHup = (): void => {
    logger.reopen()
    logger.notice({ sink: logger.sinkName }, 'log reopened on SIGHUP')
  }
  process.on('SIGHUP', onHup)
  return () => { process.off('SIGHUP', onHup) }
}
