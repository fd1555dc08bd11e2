// File and stderr sinks: asynchronous writes (sonic-boom, sync:false) into a bounded buffer.
// When the buffer is full, new messages are dropped and counted; nothing ever waits for the disk.
import { closeSync, constants, fstatSync, openSync, writeSync } from 'node:fs'
import * as sonicModule from 'sonic-boom'
import type { SonicBoom } from 'sonic-boom'
import { LOG_CLOSE_TIMEOUT_MS, LOG_STREAM_BUFFER_BYTES } from '../config/defaults.js'
import { DropCounter, droppedLine, withTimeout, type DropReporter, type Sink } from './sink.js'

// sonic-boom is CommonJS: its class is the module's default export at run time.
const SonicBoomCtor = ((sonicModule as unknown as { default?: typeof SonicBoom }).default ?? sonicModule) as unknown as typeof SonicBoom

export interface StreamSinkOptions {
  /** Bytes buffered before new messages are dropped. @default LOG_STREAM_BUFFER_BYTES */
  maxBytes?: number
  onRecovered?: DropReporter
}

/** sonic-boom's internals we read: bytes waiting and whether the file is open. */
interface BoomState { _len: number, fd: number, _opening: boolean, _bufs: string[] }

// Why: file:PATH and stderr both write JSON (or pretty) lines without blocking the event loop.
export class StreamSink implements Sink {
  readonly #boom: SonicBoom
  readonly #drops: DropCounter
  readonly #maxBytes: number
  readonly #path: string | undefined
  #closed = false
  #errorShown = false
  onRecovered: DropReporter

  constructor (readonly name: string, target: { path: string } | { fd: number }, o: StreamSinkOptions = {}) {
    this.#maxBytes = o.maxBytes ?? LOG_STREAM_BUFFER_BYTES
    this.#path = 'path' in target ? target.path : undefined
    this.onRecovered = o.onRecovered ?? (n => { this.write(droppedLine(n, this.name)) })
    this.#drops = new DropCounter(() => this.onRecovered)
    const common = { sync: false, maxLength: this.#maxBytes, retryEAGAIN: () => !exiting }
    this.#boom = this.#path !== undefined
      ? new SonicBoomCtor({ ...common, dest: this.#path, append: true, mkdir: true })
      : new SonicBoomCtor({ ...common, fd: (target as { fd: number }).fd })
    this.#boom.on('drop', () => { this.#drops.drop() })
    // sonic-boom emits 'write' before it shrinks its buffer: look on the next tick.
    this.#boom.on('write', () => { process.nextTick(() => { this.#afterWrite() }) })
    this.#boom.on('error', (err: Error) => { this.#showError(err) })
    live.add(this)
  }

  write (line: string): void {
    if (this.#closed) return
    try {
      this.#boom.write(line)
    } catch { // only after a failed reopen left sonic-boom destroyed: count, never throw
      this.#drops.drop()
    }
  }

  reopen (): void {
    if (this.#path === undefined || this.#closed) return
    try {
      this.#boom.reopen()
    } catch (err) {
      this.#showError(err as Error)
    }
  }

  dropped (): number { return this.#drops.total }
  /** Bytes waiting to be written (tests and metrics). */
  buffered (): number { return (this.#boom as unknown as BoomState)._len }

  async close (): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    this.#drops.close()
    live.delete(this)
    const state = this.#boom as unknown as BoomState
    if (state.fd < 0 && !state._opening) return // the file never opened: nothing to write or close
    const done = new Promise<void>(resolve => {
      this.#boom.once('close', () => { resolve() })
      this.#boom.once('error', () => { resolve() })
      try { this.#boom.end() } catch { resolve() }
    })
    await withTimeout(done, LOG_CLOSE_TIMEOUT_MS)
  }

  /** Best effort at process exit: write what is buffered, unless that could block (a FIFO). */
  flushAtExit (): void {
    const state = this.#boom as unknown as BoomState
    if (this.buffered() === 0) return
    if (state.fd < 0) {
      this.#writeWhileOpening(state)
      return
    }
    try {
      if (this.#path !== undefined && !fstatSync(state.fd).isFile()) return
      this.#boom.flushSync()
    } catch { /* exiting anyway */ }
  }

  // The process exits before the asynchronous open finished: nothing is being written yet, all is
  // in sonic-boom's buffer. O_NONBLOCK: a FIFO without a reader fails at once instead of hanging.
  #writeWhileOpening (state: BoomState): void {
    if (this.#path === undefined) return
    let fd = -1
    try {
      fd = openSync(this.#path, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NONBLOCK, 0o666)
      if (fstatSync(fd).isFile()) writeSync(fd, state._bufs.join(''))
    } catch { /* exiting anyway */ } finally {
      if (fd >= 0) closeSync(fd)
    }
  }

  #afterWrite (): void {
    this.#errorShown = false
    if (this.buffered() <= this.#maxBytes / 2) this.#drops.recovered()
  }

  // A log file that cannot be opened or written is said once on stderr (where else?), not per line.
  #showError (err: Error): void {
    if (this.#errorShown || this.#path === undefined) return
    this.#errorShown = true
    process.stderr.write(`corral: log ${this.name}: ${err.message} (messages are buffered, then dropped)\n`)
  }
}

/** Sinks that still hold a buffer; flushed synchronously if the process exits without closing them. */
const live = new Set<StreamSink>()
let exiting = false
process.on('exit', () => {
  exiting = true
  for (const sink of live) sink.flushAtExit()
})
