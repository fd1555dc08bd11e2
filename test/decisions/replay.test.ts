import t from 'tap'
import { planTakeover, type TakeoverPlanInput } from '../../engine/ip/index.js'
import { replayTakeover, type TakeoverDecision } from '../../engine/decisions/index.js'

const input = (over: Partial<TakeoverPlanInput> = {}): TakeoverPlanInput => ({
  nodeFlags: [0, 0, 0],
  ips: Array.from({ length: 6 }, (_, i) => ({ ip: `198.51.100.${i + 1}`, owner: i < 3 ? 0 : -1, available: [0, 1, 2] })),
  algorithm: 'lcp2', noIPFailback: false, noIPTakeover: false, forceRebalance: [], allowed: null, ...over,
})
const record = (inp: TakeoverPlanInput, assignments = planTakeover(inp).assignments): TakeoverDecision => ({
  v: 1, kind: 'takeover', timeMs: 1, pnn: 0, generation: 9, reason: 'test', outcome: 'ok', ms: 1, trace: [],
  inputs: { ...inp, connected: [0, 1, 2], active: [0, 1, 2], ipHosts: null, excluded: [] },
  outputs: { assignments, moved: [] },
})

t.test('a recorded plan reproduces from its inputs', async t => {
  const r = replayTakeover(record(input()))
  t.ok(r.replayable)
  t.same(r.differences, [])
  t.equal(new Set(r.assignments.map(a => a.pnn)).size, 3, 'six addresses spread over three nodes')
})

t.test('the allowed set (ip hosts minus callback excludes) is applied on replay', async t => {
  const inp = input({ allowed: [0, 2] })
  const r = replayTakeover(record(inp))
  t.same(r.differences, [])
  t.notOk(r.assignments.some(a => a.pnn === 1), 'node 1 was not allowed to host')
  // The same inputs without the restriction give another plan: the restriction is really used.
  t.not(JSON.stringify(planTakeover({ ...inp, allowed: null }).assignments), JSON.stringify(r.assignments))
})

t.test('a tampered record is caught, naming each differing address', async t => {
  const inp = input()
  const good = planTakeover(inp).assignments
  const bad = good.map(a => a.ip === '198.51.100.6' ? { ip: a.ip, pnn: (a.pnn + 1) % 3 } : a)
  const r = replayTakeover(record(inp, bad))
  t.equal(r.differences.length, 1)
  t.equal(r.differences[0].ip, '198.51.100.6')
})

t.test('a run that failed before allocating has nothing to replay', async t => {
  const r = replayTakeover({ ...record(input()), inputs: null, outputs: null, outcome: 'failed' })
  t.notOk(r.replayable)
})
