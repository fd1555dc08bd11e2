// Syslog over UDP (CTDB's syslog:udp and syslog:udp-rfc5424): at most N datagrams in flight,
// beyond that messages are dropped and counted, so a slow network never holds the daemon up.
import { createSocket, type Socket } from 'node:dgram'
import { isIP } from 'node:net'
import { hostname } from 'node:os'
import { LOG_CLOSE_TIMEOUT_MS, LOG_SINK_BUFFER_MESSAGES } from '../config/defaults.js'
import type { SyslogFormat } from './location.js'
import { DropCounter, droppedLine, type DropReporter, type Sink } from './sink.js'
import { formatSyslog, type SyslogOrigin } from './syslog-format.js'

export interface SyslogSinkOptions {
  format: SyslogFormat
  host: string
  port: number
  program: string
  /** Datagrams in flight before new messages are dropped. @default LOG_SINK_BUFFER_MESSAGES */
  limit?: number
  onRecovered?: DropReporter
}

// Why: the daemon's own syslog client; Node.js cannot write to /dev/log, so UDP it is.
export class SyslogSink implements Sink {
  readonly name: string
  readonly #socket: Socket
  readonly #drops: DropCounter
  readonly #origin: SyslogOrigin
  readonly #host: string
  readonly #port: number
  readonly #limit: number
  #inFlight = 0
  #closed = false
  onRecovered: DropReporter

  constructor (o: SyslogSinkOptions) {
    this.name = `syslog:${o.format === 'rfc3164' ? 'udp' : 'udp-rfc5424'}:${o.host.includes(':') ? `[${o.host}]` : o.host}:${o.port}`
    this.#host = o.host
    this.#port = o.port
    this.#limit = o.limit ?? LOG_SINK_BUFFER_MESSAGES
    this.#origin = { format: o.format, program: o.program, pid: process.pid, hostname: hostname() }
    this.onRecovered = o.onRecovered ?? (n => { this.write(droppedLine(n, this.name)) })
    this.#drops = new DropCounter(() => this.onRecovered)
    this.#socket = createSocket(isIP(o.host) === 6 ? 'udp6' : 'udp4')
    this.#socket.on('error', () => { /* an unreachable syslog must not crash the daemon */ })
    this.#socket.unref()
  }

  write (line: string): void {
    if (this.#closed) return
    if (this.#inFlight >= this.#limit) {
      this.#drops.drop()
      return
    }
    this.#inFlight++
    this.#socket.send(formatSyslog(line, this.#origin), this.#port, this.#host, err => {
      this.#inFlight--
      if (err != null) this.#drops.drop() // a datagram that could not be sent is a dropped message too
      if (this.#inFlight <= this.#limit / 2) this.#drops.recovered()
    })
  }

  reopen (): void {}
  dropped (): number { return this.#drops.total }
  /** Datagrams handed to the kernel whose send has not completed (tests and metrics). */
  inFlight (): number { return this.#inFlight }

  async close (): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    this.#drops.close()
    const deadline = Date.now() + LOG_CLOSE_TIMEOUT_MS
    while (this.#inFlight > 0 && Date.now() < deadline) await new Promise(resolve => setTimeout(resolve, 5))
    await new Promise<void>(resolve => { this.#socket.close(() => { resolve() }) })
  }
}
