// The notification log: an ordered, sequence-numbered record of lifecycle changes (node flags,
// leader, recovery, takeover runs, addresses, health), kept for a bounded time and count, with
// watchers that replay from a sequence number and then follow live entries.
import { CorralError } from '../errors/index.js'
import * as D from '../config/defaults.js'

/** One change, as kept and as sent to watchers. */
export interface Notification {
  /** Per daemon, increasing from 1 with no holes. */
  seq: number
  timeMs: number
  type: string
  fields: Record<string, unknown>
}

export interface NotificationLogOptions {
  /** Entries older than this go. @default NOTIFY_RETENTION_S * 1000 */
  retentionMs?: number
  /** Most entries kept; the oldest go first. @default NOTIFY_MAX_ENTRIES */
  maxEntries?: number
  /** Entries queued for one watcher before it is ended with CORRAL_E_WATCH_BEHIND. @default NOTIFY_WATCHER_BUFFER */
  watcherBuffer?: number
  /** Clock, for tests. @default Date.now */
  now?: () => number
}

/** What a watcher gets first: a gap (entries after since were dropped) and the kept entries after since. */
export interface Replay { gap: { from: number, to: number } | null, entries: Notification[] }

interface Watcher { queue: Notification[], wake: (() => void) | null, behind: boolean, lastSent: number }

export class NotificationLog {
  readonly #entries: Notification[] = []
  #head = 0
  #seq = 0
  readonly #watchers = new Set<Watcher>()
  readonly #retentionMs: number
  readonly #maxEntries: number
  readonly #watcherBuffer: number
  readonly #now: () => number
  /** Watchers ended because they fell behind. */
  dropped = 0

  constructor (o: NotificationLogOptions = {}) {
    this.#retentionMs = o.retentionMs ?? D.NOTIFY_RETENTION_S * 1000
    this.#maxEntries = o.maxEntries ?? D.NOTIFY_MAX_ENTRIES
    this.#watcherBuffer = o.watcherBuffer ?? D.NOTIFY_WATCHER_BUFFER
    this.#now = o.now ?? Date.now
    for (const [name, v] of [['retentionMs', this.#retentionMs], ['maxEntries', this.#maxEntries], ['watcherBuffer', this.#watcherBuffer]] as const) {
      if (!Number.isInteger(v) || v < 1) throw new CorralError('CORRAL_E_INTERNAL', `Expected the \`${name}\` option to be a positive integer, got \`${String(v)}\` (${typeof v})`)
    }
  }

  /** The last sequence number given out (0 before the first entry). */
  get lastSeq (): number { return this.#seq }

  /** The oldest kept sequence number, or lastSeq + 1 when nothing is kept. */
  get firstSeq (): number { this.#trim(); return this.#head < this.#entries.length ? this.#entries[this.#head].seq : this.#seq + 1 }

  /** Entries kept now. */
  get size (): number { this.#trim(); return this.#entries.length - this.#head }

  /** Watchers following now. */
  get watchers (): number { return this.#watchers.size }

  // Why: one place gives out sequence numbers, so every watcher sees the same order.
  add (type: string, fields: Record<string, unknown> = {}): Notification {
    const n: Notification = { seq: ++this.#seq, timeMs: this.#now(), type, fields }
    this.#entries.push(n)
    this.#trim()
    for (const w of this.#watchers) {
      if (w.behind) continue
      if (w.queue.length >= this.#watcherBuffer) {
        w.behind = true
        w.queue = []
        this.dropped++
      } else {
        w.queue.push(n)
      }
      w.wake?.()
    }
    return n
  }

  /** Kept entries after `since` (all kept for 0), and whether some after it were already dropped. */
  replay (since: number): Replay {
    this.#trim()
    const first = this.firstSeq
    const gap = since + 1 < first ? { from: since + 1, to: first - 1 } : null
    const start = Math.max(0, since + 1 - first)
    return { gap, entries: this.#entries.slice(this.#head + start) }
  }

  // Why: `corral watch`: replay what is kept after `since` (or only live entries when since is null),
  // then follow live ones in order; ends when `signal` aborts, fails when the reader lags too far.
  async * watch (since: number | null, signal?: AbortSignal): AsyncGenerator<Notification | { gap: { from: number, to: number } }> {
    const w: Watcher = { queue: [], wake: null, behind: false, lastSent: since ?? this.#seq }
    const r = since === null ? { gap: null, entries: [] } : this.replay(since)
    this.#watchers.add(w)
    const onAbort = (): void => w.wake?.()
    signal?.addEventListener('abort', onAbort)
    try {
      if (r.gap !== null) yield { gap: r.gap }
      for (const n of r.entries) {
        if (signal?.aborted === true) return
        yield n
        w.lastSent = n.seq
      }
      for (;;) {
        if (signal?.aborted === true) return
        if (w.behind) throw new CorralError('CORRAL_E_WATCH_BEHIND', `this watcher fell ${this.#watcherBuffer} notifications behind and was ended; resume with --since ${w.lastSent}`)
        const n = w.queue.shift()
        if (n !== undefined) { yield n; w.lastSent = n.seq; continue }
        await new Promise<void>(resolve => { w.wake = resolve })
        w.wake = null
      }
    } finally {
      signal?.removeEventListener('abort', onAbort)
      this.#watchers.delete(w)
    }
  }

  // Drop entries past their time or over the count; compact the array now and then.
  #trim (): void {
    const cutoff = this.#now() - this.#retentionMs
    while (this.#head < this.#entries.length && (this.#entries.length - this.#head > this.#maxEntries || this.#entries[this.#head].timeMs < cutoff)) this.#head++
    if (this.#head > 1024 && this.#head * 2 > this.#entries.length) {
      this.#entries.splice(0, this.#head)
      this.#head = 0
    }
  }
}
