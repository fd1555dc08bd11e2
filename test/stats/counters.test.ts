import t from 'tap'
import { TypedEmitter } from '../../engine/events/emitter.js'
import { DaemonStatistics, countRequests } from '../../engine/stats/index.js'
import { DecisionLog } from '../../engine/decisions/index.js'
import { handle } from '../../engine/transport/handlers.js'
import { PingSchema } from '../../protocol/gen/corral/v1/common_pb.js'
import type { RunRecord } from '../../engine/events/types.js'

function setup (): { stats: DaemonStatistics, decisions: DecisionLog, runner: TypedEmitter<{ [k: string]: unknown, 'run:finished': RunRecord, 'run:cancelled': RunRecord }>, totals: { recoveries: number, accepted: number, rejected: number, dropped: number } } {
  const decisions = new DecisionLog({ file: null, context: () => ({ pnn: 1, generation: 5 }) })
  const runner = new TypedEmitter<{ [k: string]: unknown, 'run:finished': RunRecord, 'run:cancelled': RunRecord }>()
  const totals = { recoveries: 3, accepted: 10, rejected: 1, dropped: 0 }
  const stats = new DaemonStatistics({
    startedMs: Date.now() - 5000,
    node: { pnn: 1, get recoveries () { return totals.recoveries }, decisions },
    runner: { events: runner },
    control: () => ({ accepted: totals.accepted, rejected: totals.rejected }),
    logDropped: () => totals.dropped,
  })
  return { stats, decisions, runner, totals }
}

const run = (event: string, state: string): RunRecord => ({ component: 'legacy', event, state } as unknown as RunRecord)

t.test('recoveries and takeover runs are counted from the decision records with min/avg/max', async t => {
  const { stats, decisions } = setup()
  for (const ms of [10, 30, 20]) decisions.record({ kind: 'recovery', reason: 'x', oldGeneration: 1, newGeneration: 2, nodes: [0, 1], databases: { count: 0, records: 0 }, outcome: 'ok', ms })
  decisions.record({ kind: 'recovery', reason: 'x', oldGeneration: 1, newGeneration: 2, nodes: [0, 1], databases: { count: 0, records: 0 }, outcome: 'failed', error: 'e', ms: 99 })
  decisions.record({ kind: 'takeover', reason: 'x', inputs: null, outputs: null, outcome: 'ok', ms: 4, trace: [] })
  decisions.record({ kind: 'election', winner: 1, previous: null, candidates: [], reason: 'took the cluster lock' })
  decisions.record({ kind: 'ban', culprit: 0, credits: 4, threshold: 4, seconds: 30, reason: 'x' })
  const s = stats.snapshot()
  t.same(s.recoveries, { count: 3, minMs: 10, avgMs: 20, maxMs: 30 })
  t.equal(s.recoveriesFailed, 1)
  t.equal(s.takeoverRuns.count, 1)
  t.equal(s.elections, 1)
  t.equal(s.bans, 1)
  t.equal(s.recoveriesJoined, 3)
})

t.test('event runs by component/event/state, requests by message name', async t => {
  const { stats, runner } = setup()
  runner.emit('run:finished', run('monitor', 'OK'))
  runner.emit('run:finished', run('monitor', 'OK'))
  runner.emit('run:cancelled', run('monitor', 'CANCELLED'))
  const [ping] = countRequests([handle(PingSchema, () => ({ pid: 1 }))], stats)
  await ping.fn({} as never, {} as never)
  const s = stats.snapshot()
  t.same(s.eventRuns, { 'legacy/monitor/CANCELLED': 1, 'legacy/monitor/OK': 2 })
  t.same(s.requests, { Ping: 1 })
  t.equal(s.connections, 10)
  t.equal(s.protocolErrors, 1)
})

t.test('reset zeroes every counter, and running totals count from the reset', async t => {
  const { stats, decisions, runner, totals } = setup()
  decisions.record({ kind: 'election', winner: 1, previous: null, candidates: [], reason: 'x' })
  runner.emit('run:finished', run('monitor', 'OK'))
  const before = stats.snapshot(true)
  t.equal(before.elections, 1, 'the reset read returns the counts before zeroing')
  totals.recoveries += 2
  totals.accepted += 4
  const s = stats.snapshot()
  t.equal(s.elections, 0)
  t.same(s.eventRuns, {})
  t.equal(s.recoveriesJoined, 2)
  t.equal(s.connections, 4)
  t.ok(s.sinceMs >= before.sinceMs)
})
