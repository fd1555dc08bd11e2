// Log sinks that never block the event loop: when one falls behind, messages are dropped and
// counted, and one WARNING with the count is written once it has caught up.
import { createSocket, type Socket } from 'node:dgram'
import { hostname } from 'node:os'
import * as sonicModule from 'sonic-boom'
import type { SonicBoom } from 'sonic-boom'
import { LOG_SINK_BUFFER_MESSAGES, SYSLOG_MAX_MESSAGE_BYTES } from '../config/defaults.js'
import { levelNameOf, PINO_LEVEL, SYSLOG_SEVERITY } from './levels.js'

/** What pino writes to: one JSON line per call. */
export interface Sink {
  readonly name: string
  write (line: string): void
  reopen (): void
  dropped (): number
  close (): Promise<void>
}

// sonic-boom is CommonJS: its class is the module's default export at run time.
const SonicBoomCtor = ((sonicModule as unknown as { default?: typeof SonicBoom }).default ?? sonicModule) as unknown as typeof SonicBoom

const FACILITY_DAEMON = 3
/** Bytes a file or stderr sink buffers before dropping. */
const STREAM_BUFFER_BYTES = 4 * 1024 * 1024

function droppedLine (n: number, sink: string): string {
  return JSON.stringify({ level: PINO_LEVEL.WARNING, time: Date.now(), pid: process.pid, hostname: hostname(), msg: `dropped ${n} log messages (sink ${sink} was behind)` }) + '\n'
}

// Why: file and non-TTY stderr: asynchronous writes with a bounded buffer (sonic-boom drops beyond it).
export class StreamSink implements Sink {
  readonly #boom: SonicBoom
  #droppedTotal = 0
  #pending = 0
  constructor (readonly name: string, target: { path: string } | { fd: number }, maxBytes = STREAM_BUFFER_BYTES) {
    this.#boom = 'path' in target
      ? new SonicBoomCtor({ dest: target.path, append: true, mkdir: true, sync: false, maxLength: maxBytes })
      : new SonicBoomCtor({ fd: target.fd, sync: false, maxLength: maxBytes })
    this.#boom.on('drop', () => { this.#pending++; this.#droppedTotal++ })
    this.#boom.on('error', () => { /* a broken sink must not crash the daemon; writes are dropped */ })
  }

  write (line: string): void {
    if (this.#pending > 0 && (this.#boom as unknown as { _len: number })._len === 0) {
      const n = this.#pending
      this.#pending = 0
      this.#boom.write(droppedLine(n, this.name))
    }
    this.#boom.write(line)
  }

  reopen (): void { if (this.name.startsWith('file:')) this.#boom.reopen() }
  dropped (): number { return this.#droppedTotal }
  /** Bytes waiting to be written (tests and metrics). */
  buffered (): number { return (this.#boom as unknown as { _len?: number })._len ?? 0 }

  async close (): Promise<void> {
    await new Promise<void>(resolve => {
      this.#boom.once('close', () => resolve())
      this.#boom.once('error', () => resolve())
      try { this.#boom.end() } catch { resolve() }
    })
  }
}

// Why: syslog over UDP in CTDB's two formats; at most N datagrams in flight, the rest counted as dropped.
export class SyslogSink implements Sink {
  readonly #socket: Socket
  #inFlight = 0
  #pending = 0
  #droppedTotal = 0
  readonly #host = hostname()
  constructor (readonly name: string, readonly rfc: '3164' | '5424', readonly address: string, readonly port: number, readonly program: string, readonly limit = LOG_SINK_BUFFER_MESSAGES) {
    this.#socket = createSocket(address.includes(':') ? 'udp6' : 'udp4')
    this.#socket.on('error', () => { /* unreachable syslog must not crash the daemon */ })
    this.#socket.unref()
  }

  /** The datagram for one pino JSON line (exported for tests through format()). */
  format (line: string): Buffer {
    let rec: Record<string, unknown>
    try { rec = JSON.parse(line) as Record<string, unknown> } catch { rec = { level: PINO_LEVEL.NOTICE, msg: line.trim() } }
    const name = levelNameOf(Number(rec.level))
    const pri = FACILITY_DAEMON * 8 + SYSLOG_SEVERITY[name]
    const { level: _l, time, pid: _p, hostname: _h, msg, ...fields } = rec
    const extra = Object.entries(fields).map(([k, v]) => `${k}=${typeof v === 'string' ? (/\s/.test(v) ? JSON.stringify(v) : v) : JSON.stringify(v)}`).join(' ')
    const text = `${String(msg ?? '')}${extra === '' ? '' : ` ${extra}`}`
    const head = this.rfc === '3164'
      ? `<${pri}>${this.program}[${process.pid}]: `
      : `<${pri}>1 ${new Date(typeof time === 'number' ? time : Date.now()).toISOString()} ${this.#host} ${this.program} ${process.pid} - - `
    const buf = Buffer.from(head + text)
    return buf.length > SYSLOG_MAX_MESSAGE_BYTES ? buf.subarray(0, SYSLOG_MAX_MESSAGE_BYTES) : buf
  }

  write (line: string): void {
    if (this.#inFlight >= this.limit) { this.#pending++; this.#droppedTotal++; return }
    if (this.#pending > 0) {
      const n = this.#pending
      this.#pending = 0
      this.#send(this.format(droppedLine(n, this.name)))
    }
    this.#send(this.format(line))
  }

  #send (buf: Buffer): void {
    this.#inFlight++
    this.#socket.send(buf, this.port, this.address, () => { this.#inFlight-- })
  }

  reopen (): void {}
  dropped (): number { return this.#droppedTotal }
  async close (): Promise<void> {
    const end = Date.now() + 1000
    while (this.#inFlight > 0 && Date.now() < end) await new Promise(resolve => setTimeout(resolve, 10))
    await new Promise<void>(resolve => this.#socket.close(() => resolve()))
  }
}
