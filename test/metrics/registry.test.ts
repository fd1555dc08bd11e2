import t from 'tap'
import { TypedEmitter } from '../../engine/events/emitter.js'
import type { RunRecord } from '../../engine/events/types.js'
import { createDaemonMetrics, startMetricsServer, type MetricsNode } from '../../engine/metrics/index.js'

// A fake cluster member and runner: plain objects the test changes between scrapes.
function fakes (): { node: MetricsNode & { recoveries: number, leader: number | null }, nodeEvents: TypedEmitter<Record<string, unknown>>, runner: { queueDepths: () => Record<string, number>, events: TypedEmitter<Record<string, RunRecord>> } } {
  const nodeEvents = new TypedEmitter<Record<string, unknown>>()
  const node = {
    pnn: 1, leader: 0 as number | null, generation: 1234, recoveries: 2,
    lastRecovery: { ms: 12, records: 5000, loopLagP99Ms: 3.5 },
    failover: { runs: 3, lastRun: { ms: 4, moved: [1, 2] }, ips: { vnns: new Map([['198.51.100.1', { iface: 'corral0' }], ['198.51.100.2', { iface: null }]]) } },
    snapshot: () => ({ nodes: [{ pnn: 0, flags: 0 }, { pnn: 1, flags: 0 }, { pnn: 2, flags: 0x1 }] }),
    events: nodeEvents as unknown as MetricsNode['events'],
  }
  return { node, nodeEvents, runner: { queueDepths: () => ({ legacy: 2, samba: 0 }), events: new TypedEmitter<Record<string, RunRecord>>() } }
}

const run = (over: Partial<RunRecord>): RunRecord => ({ id: 1, component: 'legacy', event: 'monitor', args: [], state: 'OK', queuedAt: 1000, startedAt: 1000, finishedAt: 1250, deadline: 0, scripts: [], ...over }) as RunRecord

t.test('gauges and counters read the live state at scrape time', async t => {
  const f = fakes()
  let dropped = 0
  const m = createDaemonMetrics({ node: f.node, runner: f.runner, logDropped: () => dropped, protocolErrors: () => 1, processMetrics: false })
  let text = await m.scrape()
  t.match(text, /# TYPE corral_node_flags gauge/)
  t.match(text, /corral_node_flags\{pnn="2"\} 1\n/)
  t.match(text, /corral_node_pnn 1\n/)
  t.match(text, /corral_leader_pnn 0\n/)
  t.match(text, /corral_generation 1234\n/)
  t.match(text, /# TYPE corral_recoveries_total counter\ncorral_recoveries_total 2\n/)
  t.match(text, /corral_last_recovery_records 5000\n/)
  t.match(text, /corral_last_recovery_loop_lag_p99_seconds 0.0035\n/)
  t.match(text, /corral_takeover_runs_total 3\n/)
  t.match(text, /corral_last_takeover_moved_addresses 2\n/)
  t.match(text, /corral_public_addresses_held 1\n/)
  t.match(text, /corral_event_queue_depth\{component="legacy"\} 2\n/)
  t.match(text, /corral_log_messages_dropped_total 0\n/)
  t.match(text, /corral_protocol_errors_total 1\n/)
  t.notMatch(text, /process_resident_memory_bytes/, 'process metrics off')
  f.node.recoveries = 5
  f.node.leader = null
  dropped = 7
  text = await m.scrape()
  t.match(text, /corral_recoveries_total 5\n/)
  t.match(text, /corral_leader_pnn -1\n/)
  t.match(text, /corral_log_messages_dropped_total 7\n/)
  m.close()
})

t.test('event runs are counted by component, event and state, with their duration', async t => {
  const f = fakes()
  const m = createDaemonMetrics({ runner: f.runner, processMetrics: false })
  f.runner.events.emit('run:finished', run({}))
  f.runner.events.emit('run:finished', run({ state: 'FAILED' }))
  f.runner.events.emit('run:cancelled', run({ state: 'CANCELLED', startedAt: 0, finishedAt: 1000 }))
  const text = await m.scrape()
  t.match(text, /corral_event_runs_total\{component="legacy",event="monitor",state="OK"\} 1\n/)
  t.match(text, /corral_event_runs_total\{component="legacy",event="monitor",state="FAILED"\} 1\n/)
  t.match(text, /corral_event_runs_total\{component="legacy",event="monitor",state="CANCELLED"\} 1\n/)
  t.match(text, /corral_event_run_duration_seconds_count\{component="legacy",event="monitor"\} 2\n/, 'a run that never started has no duration')
  t.match(text, /corral_event_run_duration_seconds_sum\{component="legacy",event="monitor"\} 0.5\n/)
  t.notMatch(text, /corral_node_flags/, 'no node, no node metrics')
  m.close()
  f.runner.events.emit('run:finished', run({}))
  t.match(await m.scrape(), /state="OK"\} 1\n/, 'close() stops listening')
})

t.test('recovery and takeover durations come from the node events', async t => {
  const f = fakes()
  const m = createDaemonMetrics({ node: f.node, processMetrics: false })
  f.nodeEvents.emit('recovery:done', { generation: 1, ms: 20, records: 0, loopLagP99Ms: 0 })
  f.nodeEvents.emit('takeover:done', { ms: 3 })
  const text = await m.scrape()
  t.match(text, /corral_recovery_duration_seconds_count 1\n/)
  t.match(text, /corral_recovery_duration_seconds_bucket\{le="0.025"\} 1\n/)
  t.match(text, /corral_takeover_duration_seconds_count 1\n/)
  m.close()
})

t.test('the registry is per daemon, not the global default', async t => {
  const { register } = await import('prom-client')
  const m = createDaemonMetrics({ node: fakes().node })
  t.equal(await register.getSingleMetric('corral_node_flags'), undefined)
  t.match(await m.scrape(), /process_resident_memory_bytes/)
  createDaemonMetrics({ node: fakes().node }).close() // a second daemon in one process does not clash
  m.close()
})

t.test('the endpoint serves GET /metrics and 404 for anything else', async t => {
  const m = createDaemonMetrics({ node: fakes().node, processMetrics: false })
  const s = await startMetricsServer({ host: '127.0.0.1', port: 0, metrics: m })
  t.teardown(async () => { await s.close(); m.close() })
  t.ok(s.port > 0, 'the real port is reported')
  const base = `http://127.0.0.1:${s.port}`
  const r = await fetch(`${base}/metrics`)
  t.equal(r.status, 200)
  t.match(r.headers.get('content-type'), /text\/plain; version=0.0.4/)
  t.match(await r.text(), /corral_leader_pnn 0/)
  t.equal((await fetch(`${base}/`)).status, 404)
  t.equal((await fetch(`${base}/metrics`, { method: 'POST' })).status, 404)
  await t.rejects(startMetricsServer({ host: '127.0.0.1', port: s.port, metrics: m }), /\[metrics\] address/, 'a port in use is an error naming the key')
})
