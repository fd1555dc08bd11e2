// The daemon's statistics (CTDB's `ctdb statistics`, adapted): counters since start or the last
// reset. Sources are the ones the Prometheus metrics read (decision records, the event runner's
// run events, the control server's counts, the log sink's drops), not a second set of hooks.
import type { RunRecord } from '../events/types.js'
import type { HandlerEntry } from '../transport/handlers.js'
import type { Decision } from '../decisions/index.js'

/** What the statistics read; each part may be absent (an events-only daemon has no node). */
export interface StatisticsSources {
  startedMs: number
  node?: {
    readonly pnn: number
    /** Recoveries completed on this node as leader or member (a running total). */
    readonly recoveries: number
    readonly linkProtocolErrors?: number
    readonly decisions: { on (fn: (d: Decision) => void): () => void }
  } | null
  runner?: { readonly events: { on (name: 'run:finished' | 'run:cancelled', fn: (r: RunRecord) => void): () => void } } | null
  /** Control-server totals: connections accepted and closed for malformed input. */
  control?: () => { accepted: number, rejected: number } | undefined
  logDropped?: () => number
}

/** Min/avg/max of durations, ms. */
export interface Durations { count: number, minMs: number, avgMs: number, maxMs: number }

export interface StatisticsSnapshot {
  pnn: number
  startedMs: number
  sinceMs: number
  nowMs: number
  requests: Record<string, number>
  connections: number
  protocolErrors: number
  recoveries: Durations
  recoveriesFailed: number
  recoveriesJoined: number
  takeoverRuns: Durations
  takeoverRunsFailed: number
  eventRuns: Record<string, number>
  elections: number
  bans: number
  logDropped: number
}

class DurationCounter {
  count = 0
  #sum = 0
  #min = 0
  #max = 0
  add (ms: number): void {
    this.#min = this.count === 0 ? ms : Math.min(this.#min, ms)
    this.#max = this.count === 0 ? ms : Math.max(this.#max, ms)
    this.#sum += ms
    this.count++
  }

  get (): Durations {
    return { count: this.count, minMs: this.#min, avgMs: this.count === 0 ? 0 : this.#sum / this.count, maxMs: this.#max }
  }
}

export class DaemonStatistics {
  #since = Date.now()
  #requests = new Map<string, number>()
  #eventRuns = new Map<string, number>()
  #recoveries = new DurationCounter()
  #takeovers = new DurationCounter()
  #recoveriesFailed = 0
  #takeoversFailed = 0
  #elections = 0
  #bans = 0
  /** Running totals read from elsewhere, as they were at the last reset. */
  #base = { joined: 0, accepted: 0, rejected: 0, dropped: 0 }
  readonly #off: Array<() => void> = []

  constructor (readonly sources: StatisticsSources) {
    const node = sources.node ?? null
    if (node !== null) this.#off.push(node.decisions.on(d => { this.#decision(d) }))
    const runner = sources.runner ?? null
    if (runner !== null) {
      const done = (r: RunRecord): void => { bump(this.#eventRuns, `${r.component}/${r.event}/${r.state}`) }
      this.#off.push(runner.events.on('run:finished', done), runner.events.on('run:cancelled', done))
    }
  }

  #decision (d: Decision): void {
    switch (d.kind) {
      case 'election': this.#elections++; break
      case 'ban': this.#bans++; break
      case 'recovery': if (d.outcome === 'ok') this.#recoveries.add(d.ms); else this.#recoveriesFailed++; break
      case 'takeover': if (d.outcome === 'ok') this.#takeovers.add(d.ms); else this.#takeoversFailed++; break
    }
  }

  /** Count one request answered, by its message name. */
  request (name: string): void { bump(this.#requests, name) }

  #totals (): { joined: number, accepted: number, rejected: number, dropped: number } {
    const c = this.sources.control?.()
    // Protocol errors: the control socket's and the node links' (both directions).
    const rejected = (c?.rejected ?? 0) + (this.sources.node?.linkProtocolErrors ?? 0)
    return { joined: this.sources.node?.recoveries ?? 0, accepted: c?.accepted ?? 0, rejected, dropped: this.sources.logDropped?.() ?? 0 }
  }

  // Why: `corral statistics` reads everything at once; with reset, the next read starts from zero.
  snapshot (reset = false): StatisticsSnapshot {
    const t = this.#totals()
    const s: StatisticsSnapshot = {
      pnn: this.sources.node?.pnn ?? -1,
      startedMs: this.sources.startedMs,
      sinceMs: this.#since,
      nowMs: Date.now(),
      requests: Object.fromEntries([...this.#requests].sort()),
      connections: t.accepted - this.#base.accepted,
      protocolErrors: t.rejected - this.#base.rejected,
      recoveries: this.#recoveries.get(),
      recoveriesFailed: this.#recoveriesFailed,
      recoveriesJoined: t.joined - this.#base.joined,
      takeoverRuns: this.#takeovers.get(),
      takeoverRunsFailed: this.#takeoversFailed,
      eventRuns: Object.fromEntries([...this.#eventRuns].sort()),
      elections: this.#elections,
      bans: this.#bans,
      logDropped: t.dropped - this.#base.dropped,
    }
    if (reset) this.#reset(t)
    return s
  }

  #reset (t: { joined: number, accepted: number, rejected: number, dropped: number }): void {
    this.#since = Date.now()
    this.#requests.clear()
    this.#eventRuns.clear()
    this.#recoveries = new DurationCounter()
    this.#takeovers = new DurationCounter()
    this.#recoveriesFailed = this.#takeoversFailed = this.#elections = this.#bans = 0
    this.#base = t
  }

  close (): void { for (const f of this.#off.splice(0)) f() }
}

function bump (m: Map<string, number>, k: string): void { m.set(k, (m.get(k) ?? 0) + 1) }

// Why: every answered request is counted by its message name without touching each handler.
export function countRequests (entries: readonly HandlerEntry[], stats: DaemonStatistics): HandlerEntry[] {
  return entries.map(e => ({ ...e, fn: (req, ctx) => { stats.request(e.request.typeName.replace(/^corral\.v1\./, '')); return e.fn(req, ctx) } }))
}
