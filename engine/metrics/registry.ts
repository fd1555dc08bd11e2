// The daemon's Prometheus registry: gauges and counters read live state at scrape time (collect()),
// histograms are fed by the components' typed events. One registry per daemon, never the global one.
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client'
import type { RunRecord } from '../events/types.js'

/** What the metrics read from the cluster member (a ClusterNode satisfies it; tests pass a fake). */
export interface MetricsNode {
  readonly pnn: number
  readonly leader: number | null
  readonly generation: number
  readonly recoveries: number
  readonly lastRecovery: { ms: number, records: number, loopLagP99Ms: number } | null
  readonly failover: {
    readonly runs: number
    readonly lastRun: { ms: number, moved: readonly unknown[] } | null
    readonly ips: { readonly vnns: ReadonlyMap<string, { iface: string | null }> }
  }
  snapshot (): { nodes: ReadonlyArray<{ pnn: number, flags: number }> }
  /** DEGRADED monitors (engine/services): the last one's reason ('' if none) and a count. */
  readonly services?: { readonly degradedReason: string, readonly degradedTotal: number }
  /** 'recovery:done' and 'takeover:done' carry the run's duration in ms. */
  readonly events: { on (name: 'recovery:done' | 'takeover:done', fn: (payload: { ms: number }) => void): () => void }
}

/** What the metrics read from the event runner. */
export interface MetricsRunner {
  queueDepths (): Record<string, number>
  readonly events: { on (name: 'run:finished' | 'run:cancelled', fn: (r: RunRecord) => void): () => void }
}

/** Collaborators of the registry; each may be absent (events-only daemon, no control socket yet). */
export interface MetricsComponents {
  node?: MetricsNode | null
  runner?: MetricsRunner | null
  /** Messages the log sink dropped since start. */
  logDropped?: () => number
  /** Control-socket connections closed for malformed input since start. */
  protocolErrors?: () => number
  /** Add Node.js process metrics (RSS, CPU, event-loop lag, GC). @default true */
  processMetrics?: boolean
}

export interface DaemonMetrics {
  readonly registry: Registry
  /** The Prometheus text exposition of every metric. */
  scrape (): Promise<string>
  /** Stop listening to the components' events. */
  close (): void
}

/** Buckets for recovery and takeover runs, in seconds (a local recovery takes ~10 ms, a big one minutes). */
export const RUN_BUCKETS_S = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120]

// Why: a counter whose source is a running total elsewhere moves by the difference at each scrape.
function followTotal (read: () => number): (c: Counter) => void {
  let seen = 0
  return c => {
    const v = read()
    if (v > seen) c.inc(v - seen)
    seen = Math.max(seen, v)
  }
}

// Why: one call builds everything the daemon exports, so tests build it with fakes and no sockets.
export function createDaemonMetrics (c: MetricsComponents): DaemonMetrics {
  const registry = new Registry()
  const registers = [registry]
  const node = c.node ?? null
  const runner = c.runner ?? null
  const off: Array<() => void> = []
  if (c.processMetrics !== false) collectDefaultMetrics({ register: registry })

  if (node !== null) {
    new Gauge({
      name: 'corral_node_flags', help: 'Flags of each node as this node sees it (CTDB NODE_FLAGS_*; 0 = healthy)', labelNames: ['pnn'], registers,
      collect () { this.reset(); for (const n of node.snapshot().nodes) this.set({ pnn: String(n.pnn) }, n.flags) },
    })
    new Gauge({ name: 'corral_node_pnn', help: 'This node\'s PNN (-1 before it joined)', registers, collect () { this.set(node.pnn) } })
    new Gauge({ name: 'corral_leader_pnn', help: 'PNN of the leader as this node knows it (-1: none)', registers, collect () { this.set(node.leader ?? -1) } })
    new Gauge({ name: 'corral_generation', help: 'Current cluster generation on this node', registers, collect () { this.set(node.generation) } })
    const recoveries = followTotal(() => node.recoveries)
    new Counter({ name: 'corral_recoveries_total', help: 'Recoveries completed on this node (as leader or member)', registers, collect () { recoveries(this) } })
    const recoveryMs = new Histogram({ name: 'corral_recovery_duration_seconds', help: 'Duration of the recoveries this node led', buckets: RUN_BUCKETS_S, registers })
    off.push(node.events.on('recovery:done', r => { recoveryMs.observe(r.ms / 1000) }))
    new Gauge({ name: 'corral_last_recovery_records', help: 'Records merged by the last recovery this node led', registers, collect () { this.set(node.lastRecovery?.records ?? 0) } })
    new Gauge({ name: 'corral_last_recovery_loop_lag_p99_seconds', help: 'Event-loop lag p99 during the last recovery this node led', registers, collect () { this.set((node.lastRecovery?.loopLagP99Ms ?? 0) / 1000) } })
    const takeovers = followTotal(() => node.failover.runs)
    new Counter({ name: 'corral_takeover_runs_total', help: 'Takeover runs this node completed as leader', registers, collect () { takeovers(this) } })
    const takeoverMs = new Histogram({ name: 'corral_takeover_duration_seconds', help: 'Duration of the takeover runs this node led', buckets: RUN_BUCKETS_S, registers })
    off.push(node.events.on('takeover:done', r => { takeoverMs.observe(r.ms / 1000) }))
    new Gauge({ name: 'corral_last_takeover_moved_addresses', help: 'Public addresses the last takeover run this node led moved', registers, collect () { this.set(node.failover.lastRun?.moved.length ?? 0) } })
    const degraded = followTotal(() => node.services?.degradedTotal ?? 0)
    new Counter({ name: 'corral_monitor_degraded_total', help: 'Monitor runs with at least one DEGRADED entry (a warning: the node stays healthy)', registers, collect () { degraded(this) } })
    new Gauge({ name: 'corral_monitor_degraded', help: '1 while the last monitor had a DEGRADED entry, else 0', registers, collect () { this.set((node.services?.degradedReason ?? '') === '' ? 0 : 1) } })
    new Gauge({
      name: 'corral_public_addresses_held', help: 'Public addresses on an interface of this node', registers,
      collect () { let n = 0; for (const v of node.failover.ips.vnns.values()) if (v.iface !== null) n++; this.set(n) },
    })
  }

  if (runner !== null) {
    const runs = new Counter({ name: 'corral_event_runs_total', help: 'Event runs finished, by component, event and final state (OK, FAILED, TIMEDOUT, CANCELLED)', labelNames: ['component', 'event', 'state'], registers })
    const runSeconds = new Histogram({ name: 'corral_event_run_duration_seconds', help: 'Duration of event runs that started (queue wait excluded)', labelNames: ['component', 'event'], buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60], registers })
    const results = new Counter({ name: 'corral_event_script_results_total', help: 'Script and plugin results in finished runs, by component, event, entry and state (OK, DEGRADED, ERROR, TIMEDOUT, ...)', labelNames: ['component', 'event', 'script', 'state'], registers })
    const done = (r: RunRecord): void => {
      runs.inc({ component: r.component, event: r.event, state: r.state })
      for (const s of r.scripts) if (s.state !== 'DISABLED' && s.state !== 'NOT_RUN') results.inc({ component: r.component, event: r.event, script: s.name, state: s.state })
      if (r.startedAt > 0 && r.finishedAt >= r.startedAt) runSeconds.observe({ component: r.component, event: r.event }, (r.finishedAt - r.startedAt) / 1000)
    }
    off.push(runner.events.on('run:finished', done), runner.events.on('run:cancelled', done))
    new Gauge({
      name: 'corral_event_queue_depth', help: 'Event runs queued or running, per component', labelNames: ['component'], registers,
      collect () { this.reset(); for (const [component, n] of Object.entries(runner.queueDepths())) this.set({ component }, n) },
    })
  }

  if (c.logDropped !== undefined) {
    const dropped = followTotal(c.logDropped)
    new Counter({ name: 'corral_log_messages_dropped_total', help: 'Log messages dropped because the log sink was behind', registers, collect () { dropped(this) } })
  }
  if (c.protocolErrors !== undefined) {
    const errors = followTotal(c.protocolErrors)
    new Counter({ name: 'corral_protocol_errors_total', help: 'Connections (control socket and node links) closed for malformed input (bad frame, handshake or version)', registers, collect () { errors(this) } })
  }

  return {
    registry,
    scrape: async () => await registry.metrics(),
    close () { for (const f of off.splice(0)) f() },
  }
}
