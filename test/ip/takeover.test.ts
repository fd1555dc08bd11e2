import t from 'tap'
import { takeoverRun, TakeoverError, type ReportedIp, type TakeoverDeps } from '../../engine/ip/index.js'

type Op = 'startipreallocate' | 'release' | 'take' | 'ipreallocated'

interface FakeNode {
  /** Addresses this node knows: ip → [owner it believes, interface it is on here ('' = none)]. */
  known: Record<string, [number, string]>
  /** Addresses it could host now; default: all it knows. */
  available?: string[]
}

interface Fake {
  deps: TakeoverDeps
  /** Every step as `op pnn [ip newOwner]`, in call order. */
  steps: string[]
  /** Every list call as `pnn known|available`. */
  lists: string[]
}

// A cluster of fake nodes: list() answers from `nodes`, step() records and resolves after a small,
// per-node delay (so stages that overlapped would show in the order), or does what `behave` says.
function fake (nodes: FakeNode[], over: Partial<TakeoverDeps> = {}, behave?: (pnn: number, op: Op, ip?: string) => Promise<void> | undefined): Fake {
  const steps: string[] = []
  const lists: string[] = []
  const all = nodes.map((_, i) => i)
  const deps: TakeoverDeps = {
    nodeFlags: nodes.map(() => 0),
    connected: all,
    active: all,
    async list (pnn, availableOnly) {
      lists.push(`${pnn} ${availableOnly ? 'available' : 'known'}`)
      const n = nodes[pnn]
      const out: ReportedIp[] = Object.entries(n.known).map(([ip, [owner, iface]]) => ({ ip, owner, iface }))
      return availableOnly ? out.filter(x => (n.available ?? Object.keys(n.known)).includes(x.ip)) : out
    },
    async step (pnn, op, ip, newOwner) {
      steps.push([op, pnn, ...(ip === undefined ? [] : [ip]), ...(newOwner === undefined ? [] : [newOwner])].join(' '))
      const b = behave?.(pnn, op, ip)
      if (b !== undefined) { await b; return }
      await new Promise(resolve => setTimeout(resolve, 3 * (nodes.length - pnn)))
    },
    algorithm: 'lcp2',
    noIPFailback: false,
    noIPTakeover: false,
    forceRebalance: [],
    allowed: null,
    deadlineMs: 5000,
    disabled: false,
    ...over,
  }
  return { deps, steps, lists }
}

const ops = (steps: string[], op: Op): string[] => steps.filter(s => s.startsWith(`${op} `))
const indexes = (steps: string[], op: Op): number[] => steps.flatMap((s, i) => s.startsWith(`${op} `) ? [i] : [])

const A = '192.0.2.1'
const B = '192.0.2.2'
const C = '192.0.2.3'

t.test('CTDB\'s order: startipreallocate on every connected node, then all releases, then all takes, then ipreallocated everywhere', async t => {
  // Node 0 holds A, B and C; nodes 1 and 2 hold nothing, so LCP2 moves two of them away.
  const f = fake([
    { known: { [A]: [0, 'eth1'], [B]: [0, 'eth1'], [C]: [0, 'eth1'] } },
    { known: { [A]: [0, ''], [B]: [0, ''], [C]: [0, ''] } },
    { known: { [A]: [0, ''], [B]: [0, ''], [C]: [0, ''] } },
  ])
  const r = await takeoverRun(f.deps)
  t.same(r.assignments.map(a => a.pnn).sort(), [0, 1, 2], 'one address per node')
  const start = indexes(f.steps, 'startipreallocate')
  const rel = indexes(f.steps, 'release')
  const take = indexes(f.steps, 'take')
  const done = indexes(f.steps, 'ipreallocated')
  t.same(ops(f.steps, 'startipreallocate').sort(), ['startipreallocate 0', 'startipreallocate 1', 'startipreallocate 2'])
  t.same(ops(f.steps, 'ipreallocated').sort(), ['ipreallocated 0', 'ipreallocated 1', 'ipreallocated 2'])
  t.ok(rel.length > 0 && take.length > 0, 'there were releases and takes')
  t.ok(Math.max(...start) < Math.min(...rel), 'every startipreallocate before any release')
  t.ok(Math.max(...rel) < Math.min(...take), 'every release before any take')
  t.ok(Math.max(...take) < Math.min(...done), 'every take before any ipreallocated')
  t.same(done, [f.steps.length - 3, f.steps.length - 2, f.steps.length - 1], 'ipreallocated last')
})

t.test('a release goes only to nodes that know the address and are not its new owner; a take goes to the new owner even if it holds it', async t => {
  // A is held by node 0, which is not active; node 1 knows A too, node 2 does not. B is held by node 2.
  const f = fake([
    { known: { [A]: [0, 'eth1'] } },
    { known: { [A]: [0, ''] } },
    { known: { [B]: [2, 'eth1'] } },
  ], { active: [1, 2] })
  const r = await takeoverRun(f.deps)
  t.same(r.assignments, [{ ip: B, pnn: 2 }, { ip: A, pnn: 1 }], 'CTDB\'s list order: highest address first')
  t.same(ops(f.steps, 'release'), [`release 0 ${A} 1`], 'only node 0: node 1 is the new owner, node 2 does not know A, nobody else knows B')
  t.same(ops(f.steps, 'take').sort(), [`take 1 ${A}`, `take 2 ${B}`], 'node 2 is told to take B although it holds it (a redundant take)')
  t.same(r.moved, [{ ip: A, from: 0, to: 1 }])
})

t.test('a node that is not active gets nothing assigned and is not asked what it can host', async t => {
  const known = { [A]: [-1, ''], [B]: [-1, ''], [C]: [-1, ''] } as FakeNode['known']
  const f = fake([{ known }, { known }, { known }], { active: [1, 2] })
  const r = await takeoverRun(f.deps)
  t.notOk(r.assignments.some(a => a.pnn === 0), 'node 0 hosts nothing')
  t.same(r.assignments.map(a => a.pnn).filter(p => p < 0), [], 'every address placed')
  t.same(f.lists.filter(l => l.endsWith('available')).sort(), ['1 available', '2 available'])
  t.same(f.lists.filter(l => l.endsWith('known')).sort(), ['0 known', '1 known', '2 known'], 'known lists from every connected node')
  t.same(ops(f.steps, 'take').filter(s => s.startsWith('take 0 ')), [])
  t.same(ops(f.steps, 'ipreallocated').sort(), ['ipreallocated 0', 'ipreallocated 1', 'ipreallocated 2'], 'it still runs ipreallocated')
})

t.test('allowed restricts which nodes may host', async t => {
  const known = { [A]: [0, ''], [B]: [1, ''], [C]: [-1, ''] } as FakeNode['known']
  const f = fake([{ known: { ...known, [A]: [0, 'eth1'] } }, { known: { ...known, [B]: [1, 'eth1'] } }, { known }], { allowed: new Set([2]) })
  const r = await takeoverRun(f.deps)
  t.same(r.assignments.map(a => a.pnn), [2, 2, 2])
  t.same(r.moved.map(m => [m.ip, m.from, m.to]).sort(), [[A, 0, 2], [B, 1, 2], [C, -1, 2]])
  t.same(ops(f.steps, 'release').sort(), [`release 0 ${A} 2`, `release 0 ${B} 2`, `release 0 ${C} 2`, `release 1 ${A} 2`, `release 1 ${B} 2`, `release 1 ${C} 2`])
})

t.test('with failover disabled the run only sends ipreallocated to every connected node', async t => {
  const f = fake([{ known: { [A]: [0, 'eth1'] } }, { known: { [A]: [0, ''] } }], { disabled: true })
  const r = await takeoverRun(f.deps)
  t.same([...f.steps].sort(), ['ipreallocated 0', 'ipreallocated 1'])
  t.same(f.lists, [], 'no node is asked for its addresses')
  t.same(r.assignments, [])
  t.same(r.moved, [])
})

t.test('a dry run plans without calling any step', async t => {
  const known = { [A]: [-1, ''], [B]: [-1, ''] } as FakeNode['known']
  const f = fake([{ known }, { known }], { dryRun: true })
  const r = await takeoverRun(f.deps)
  t.same(f.steps, [])
  t.same(r.assignments.map(a => a.pnn).sort(), [0, 1])
  t.equal(r.moved.length, 2)
})

t.test('no known address anywhere: no allocation, ipreallocated only', async t => {
  const f = fake([{ known: {} }, { known: {} }])
  const r = await takeoverRun(f.deps)
  t.same([...f.steps].sort(), ['ipreallocated 0', 'ipreallocated 1'])
  t.same(r.trace, ['No nodes available to host public IPs yet'])
})

t.test('a step that rejects fails the run with a TakeoverError counting the failing node', async t => {
  const known = { [A]: [-1, ''], [B]: [-1, ''] } as FakeNode['known']
  const f = fake([{ known }, { known }], {}, (pnn, op) => pnn === 1 && op === 'take' ? Promise.reject(new Error('takeip failed')) : undefined)
  const err = await takeoverRun(f.deps).then(() => null, (e: unknown) => e)
  t.ok(err instanceof TakeoverError)
  const te = err as TakeoverError
  t.equal(te.code, 'CORRAL_E_TAKEOVER_FAILED')
  t.match(te.message, /node 1: takeip failed/)
  t.same([...te.failures], [[1, 1]], 'node 1 once, node 0 not at all')
  t.same(ops(f.steps, 'ipreallocated'), [], 'no ipreallocated after a failed take (CTDB)')
})

t.test('a failing list call fails the run too', async t => {
  const f = fake([{ known: { [A]: [-1, ''] } }, { known: { [A]: [-1, ''] } }])
  const list = f.deps.list
  f.deps.list = async (pnn, avail) => { if (pnn === 0 && avail) throw new Error('no reply'); return await list(pnn, avail) }
  await t.rejects(takeoverRun(f.deps), { code: 'CORRAL_E_TAKEOVER_FAILED', message: /node 0: no reply/ })
  t.same(f.steps, [])
})

t.test('a step that never answers fails the run with a TakeoverError at the deadline', async t => {
  const known = { [A]: [-1, ''], [B]: [-1, ''] } as FakeNode['known']
  const f = fake([{ known }, { known }, { known }], { deadlineMs: 200 }, (pnn, op) => pnn === 2 && op === 'startipreallocate' ? new Promise<void>(() => {}) : undefined)
  const t0 = Date.now()
  const err = await takeoverRun(f.deps).then(() => null, (e: unknown) => e)
  const ms = Date.now() - t0
  t.ok(err instanceof TakeoverError)
  t.match((err as Error).message, /timed out after 200 ms/)
  t.ok(ms >= 190 && ms < 1200, `failed after ${ms} ms`)
  t.equal((err as TakeoverError).failures.get(2), 1, 'the silent node is counted')
  t.same(ops(f.steps, 'release').concat(ops(f.steps, 'take')), [], 'nothing moved')
})

t.test('at the deadline only the nodes that did not answer are counted as failing', async t => {
  // Node 2 hangs; nodes 0 and 1 answered. The node with most failures (lowest PNN on ties) gets
  // ban credits (node.ts takeoverFailed), so counting everyone would punish node 0.
  const known = { [A]: [-1, ''] } as FakeNode['known']
  const f = fake([{ known }, { known }, { known }], { deadlineMs: 200 }, (pnn, op) => pnn === 2 && op === 'startipreallocate' ? new Promise<void>(() => {}) : undefined)
  const err = await takeoverRun(f.deps).then(() => null, (e: unknown) => e as TakeoverError)
  t.ok(err instanceof TakeoverError)
  t.same([...(err?.failures ?? [])], [[2, 1]], 'only node 2')
})

t.test('LCP2 puts two of six unassigned addresses on each of three nodes', async t => {
  const ips = ['192.0.2.1', '192.0.2.2', '192.0.2.3', '192.0.2.4', '192.0.2.5', '192.0.2.6']
  const known = Object.fromEntries(ips.map(ip => [ip, [-1, '']])) as FakeNode['known']
  const f = fake([{ known }, { known }, { known }])
  const r = await takeoverRun(f.deps)
  const per = [0, 1, 2].map(p => r.assignments.filter(a => a.pnn === p).length)
  t.same(per, [2, 2, 2])
  t.same(r.assignments.map(a => a.ip).sort(), ips)
  t.same(ops(f.steps, 'take').length, 6)
  t.same(ops(f.steps, 'release').length, 12, 'each address released on the two nodes that are not its new owner')
  t.same(r.moved.map(m => m.from), [-1, -1, -1, -1, -1, -1])
})

t.test('moved lists exactly the addresses whose owner changed', async t => {
  // Node 0 holds A and B, node 1 holds C, node 2 holds nothing: LCP2 moves one address to node 2.
  const knows = (held: string[], pnn: number): FakeNode['known'] => Object.fromEntries([A, B, C].map(ip => [ip, held.includes(ip) ? [pnn, 'eth1'] : [-1, '']]))
  const f = fake([{ known: knows([A, B], 0) }, { known: knows([C], 1) }, { known: knows([], 2) }])
  const r = await takeoverRun(f.deps)
  const before = new Map([[A, 0], [B, 0], [C, 1]])
  const changed = r.assignments.filter(a => before.get(a.ip) !== a.pnn).map(a => ({ ip: a.ip, from: before.get(a.ip), to: a.pnn }))
  t.equal(changed.length, 1, 'one address moved')
  t.same(r.moved, changed)
  t.equal(r.moved[0].to, 2)

  const still = fake([{ known: knows([A, C], 0) }, { known: knows([B], 1) }])
  const r2 = await takeoverRun(still.deps)
  t.same(r2.moved, [], 'a balanced cluster moves nothing')
  t.same(ops(still.steps, 'take').sort(), [`take 0 ${A}`, `take 0 ${C}`, `take 1 ${B}`], 'but every owner is still told to take')
})
