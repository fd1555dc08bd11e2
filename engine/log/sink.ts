// What every log sink provides, and the drop bookkeeping they share.

/** Told, once a sink has room again, how many messages it dropped while it was behind. */
export type DropReporter = (dropped: number) => void

/** What pino writes to: one line per call. `write` never blocks and never throws. */
export interface Sink {
  /** The location it writes to, as in messages: `stderr`, `file:/var/log/x`, `syslog:udp:HOST:PORT`. */
  readonly name: string
  write (line: string): void
  /** Reopen a file after logrotate moved it; a no-op for other sinks. */
  reopen (): void
  /** Messages dropped since the sink was created (for metrics). */
  dropped (): number
  /** Set by the logger so the drop warning goes through it (formatting, bindings, pretty output). */
  onRecovered: DropReporter
  close (): Promise<void>
}

// Why: one wording, so operators can grep for it and tests can match it.
export function droppedMessage (n: number, sink: string): string {
  return `dropped ${n} log messages (sink ${sink} was behind)`
}

// Why: a sink used without a logger (tests, tools) still reports its drops, as a pino-shaped line.
export function droppedLine (n: number, sink: string): string {
  return JSON.stringify({ level: 40, time: Date.now(), pid: process.pid, dropped: n, sink, msg: droppedMessage(n, sink) }) + '\n'
}

/** Counts drops; when told the sink has room again, reports the pending count once. */
export class DropCounter {
  #total = 0
  #pending = 0
  #scheduled = false
  #closed = false
  constructor (readonly report: () => DropReporter) {}

  get total (): number { return this.#total }

  drop (): void {
    this.#total++
    this.#pending++
  }

  /** The report runs on the next turn of the loop, never inside the write that noticed room. */
  recovered (): void {
    if (this.#pending === 0 || this.#scheduled || this.#closed) return
    this.#scheduled = true
    setImmediate(() => {
      this.#scheduled = false
      const n = this.#pending
      this.#pending = 0
      if (n > 0 && !this.#closed) this.report()(n)
    })
  }

  close (): void { this.#closed = true }
}

// Why: shutdown must not hang on a sink that will never drain (a FIFO nobody reads, a dead NFS).
export async function withTimeout (work: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined
  const expired = new Promise<void>(resolve => { timer = setTimeout(resolve, ms) })
  try {
    await Promise.race([work, expired])
  } finally {
    clearTimeout(timer)
  }
}
