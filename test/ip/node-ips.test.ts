import t from 'tap'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { NodeIps, recordedBackend, type AddressBackend } from '../../engine/ip/index.js'
import type { RunRecord, RunState, ScriptResult } from '../../engine/events/types.js'

const dir = mkdtempSync(join(tmpdir(), 'corral-node-ips-'))
t.teardown(() => { rmSync(dir, { recursive: true, force: true }) })
let seq = 0

type IpEvent = 'takeip' | 'releaseip' | 'updateip'

function runRecord (state: RunState, event: string, args: string[], script?: Partial<ScriptResult>): RunRecord {
  const now = Date.now()
  const s: ScriptResult = { name: '10.interface', kind: 'script', state: state === 'OK' ? 'OK' : state === 'TIMEDOUT' ? 'TIMEDOUT' : 'ERROR', exitCode: state === 'OK' ? 0 : 1, signal: null, startedAt: now, durationMs: 1, output: '', outputTruncated: false, reason: state === 'OK' ? '' : 'exit 1', ...script }
  return { id: ++seq, component: 'legacy', event, args, state, queuedAt: now, startedAt: now, finishedAt: now, deadline: now + 1000, scripts: [s] }
}

interface Harness {
  ips: NodeIps
  backend: AddressBackend
  /** Every event run, as `event arg arg ...`. */
  calls: string[]
  logs: Array<{ level: string, o: object, m: string }>
  /** What the next events return (default OK); shifted per call. */
  next: Array<RunState | (() => Promise<RunRecord>)>
  file: string
  state: string
}

// A node (PNN `pnn`) with a public_addresses file and a recorded backend, each in a fresh directory.
function node (lines: string | null, pnn = 0): Harness {
  const d = mkdtempSync(join(dir, 'n-'))
  const file = join(d, 'public_addresses')
  const state = join(d, 'recorded-ips.json')
  if (lines !== null) writeFileSync(file, lines)
  const calls: string[] = []
  const logs: Harness['logs'] = []
  const next: Harness['next'] = []
  const backend = recordedBackend(state)
  const ips = new NodeIps({
    pnn: () => pnn,
    file,
    backend,
    runEvent: async (event: IpEvent, args: string[]) => {
      calls.push([event, ...args].join(' '))
      const n = next.shift() ?? 'OK'
      return typeof n === 'function' ? await n() : runRecord(n, event, args)
    },
    log: {
      warn: (o, m) => { logs.push({ level: 'warn', o, m }) },
      notice: (o, m) => { logs.push({ level: 'notice', o, m }) },
      error: (o, m) => { logs.push({ level: 'error', o, m }) },
    },
  })
  return { ips, backend, calls, logs, next, file, state }
}

const TWO = '192.0.2.10/24 eth1,eth2\n192.0.2.11/24 eth1,eth2\n'

t.test('load reads the public_addresses file: address, mask bits and interfaces in order', async t => {
  const h = node('# public\n192.0.2.10/24 eth1,eth2\n\n2001:db8::10/64 eth3\n')
  h.ips.load()
  t.same([...h.ips.vnns.keys()], ['192.0.2.10', '2001:db8::10'])
  t.match(h.ips.vnns.get('192.0.2.10'), { maskbits: 24, ifaces: ['eth1', 'eth2'], iface: null, owner: -1, deletePending: false, busy: false })
  t.same([...h.ips.adminLink], [['eth1', true], ['eth2', true], ['eth3', true]], 'every interface starts with its link up, as CTDB')
  t.same(await h.ips.interfaces(), [
    { name: 'eth1', linkUp: true, references: 0 },
    { name: 'eth2', linkUp: true, references: 0 },
    { name: 'eth3', linkUp: true, references: 0 },
  ])
  t.same(h.logs, [], 'no warning')
})

t.test('a missing public_addresses file means no addresses and a warning', async t => {
  const h = node(null)
  h.ips.load()
  t.equal(h.ips.vnns.size, 0)
  t.equal(h.logs.length, 1)
  t.equal(h.logs[0].level, 'warn')
  t.match(h.logs[0].m, h.file)
  t.same(await h.ips.list(false), [])
})

t.test('take runs takeip IFACE IP MASKBITS (CTDB\'s order) and records the address as held here', async t => {
  const h = node(TWO, 3)
  h.ips.load()
  t.equal(await h.ips.take('192.0.2.10'), 'takeip')
  t.same(h.calls, ['takeip eth1 192.0.2.10 24'])
  t.match(h.ips.vnns.get('192.0.2.10'), { iface: 'eth1', owner: 3, busy: false })
  t.same([...await h.backend.present()], [['192.0.2.10', 'eth1']])
  t.same(JSON.parse(readFileSync(h.state, 'utf8')), { '192.0.2.10': 'eth1' }, 'the record on disk has it')
  t.same((await h.ips.interfaces()).map(i => [i.name, i.references]), [['eth1', 1], ['eth2', 0]])
})

t.test('a second take of a held address is redundant and runs nothing', async t => {
  const h = node(TWO)
  h.ips.load()
  await h.ips.take('192.0.2.10')
  t.equal(await h.ips.take('192.0.2.10'), 'redundant')
  t.same(h.calls, ['takeip eth1 192.0.2.10 24'], 'only the first take ran an event')
  t.match(h.ips.vnns.get('192.0.2.10'), { iface: 'eth1', owner: 0 })
})

t.test('release runs releaseip IFACE IP MASKBITS, forgets the interface and records the new owner', async t => {
  const h = node(TWO)
  h.ips.load()
  await h.ips.take('192.0.2.10')
  t.equal(await h.ips.release('192.0.2.10', 2), 'releaseip')
  t.same(h.calls, ['takeip eth1 192.0.2.10 24', 'releaseip eth1 192.0.2.10 24'])
  t.match(h.ips.vnns.get('192.0.2.10'), { iface: null, owner: 2 })
  t.same([...await h.backend.present()], [], 'no longer recorded as held')
  t.same(JSON.parse(readFileSync(h.state, 'utf8')), {})
  t.same((await h.ips.interfaces()).map(i => i.references), [0, 0])
})

t.test('releasing an address this node does not hold is redundant: nothing runs, the new owner is noted', async t => {
  const h = node(TWO)
  h.ips.load()
  t.equal(await h.ips.release('192.0.2.11', 1), 'redundant')
  t.same(h.calls, [])
  t.equal(h.ips.vnns.get('192.0.2.11')!.owner, 1)
})

t.test('take and release of an address the node does not know answer unknown and run nothing', async t => {
  const h = node(TWO)
  h.ips.load()
  t.equal(await h.ips.take('198.51.100.1'), 'unknown')
  t.equal(await h.ips.release('198.51.100.1', 1), 'unknown')
  t.same(h.calls, [])
  t.equal(h.ips.remove('198.51.100.1'), 'unknown')
})

t.test('a FAILED takeip rejects with CORRAL_E_EVENT_FAILED and leaves the address not held', async t => {
  const h = node(TWO)
  h.ips.load()
  h.next.push(async () => runRecord('FAILED', 'takeip', [], { reason: 'exit 1', output: 'RTNETLINK answers: File exists\n' }))
  await t.rejects(h.ips.take('192.0.2.10'), { code: 'CORRAL_E_EVENT_FAILED', message: /takeip eth1 192\.0\.2\.10 24 FAILED in 10\.interface: exit 1 \(RTNETLINK answers: File exists\)/ })
  t.match(h.ips.vnns.get('192.0.2.10'), { iface: null, owner: -1, busy: false })
  t.same([...await h.backend.present()], [])
  t.same((await h.ips.interfaces()).map(i => i.references), [0, 0])
  t.equal(await h.ips.take('192.0.2.10'), 'takeip', 'a later take tries again')
})

t.test('a FAILED releaseip rejects and the address stays held here', async t => {
  const h = node(TWO)
  h.ips.load()
  await h.ips.take('192.0.2.10')
  h.next.push('FAILED')
  await t.rejects(h.ips.release('192.0.2.10', 1), { code: 'CORRAL_E_EVENT_FAILED' })
  t.match(h.ips.vnns.get('192.0.2.10'), { iface: 'eth1', owner: 0, busy: false })
  t.same([...await h.backend.present()], [['192.0.2.10', 'eth1']])
})

t.test('a TIMEDOUT takeip counts as done in recorded mode (CTDB ignores hung takeip) and is logged', async t => {
  const h = node(TWO, 1)
  h.ips.load()
  h.next.push('TIMEDOUT')
  t.equal(await h.ips.take('192.0.2.10'), 'takeip')
  t.match(h.ips.vnns.get('192.0.2.10'), { iface: 'eth1', owner: 1 })
  t.same([...await h.backend.present()], [['192.0.2.10', 'eth1']])
  const err = h.logs.filter(l => l.level === 'error')
  t.equal(err.length, 1)
  t.match(err[0].m, /takeip eth1 192\.0\.2\.10 24 timed out/)
})

t.test('the best interface is the first with its link up; a later one only with strictly fewer references', async t => {
  const h = node('192.0.2.10/24 eth1,eth2\n192.0.2.11/24 eth1,eth2\n192.0.2.12/24 eth1,eth2\n192.0.2.13/24 eth2,eth1\n')
  h.ips.load()
  const v = (ip: string) => h.ips.vnns.get(ip)!
  t.equal(h.ips.bestIface(v('192.0.2.10'), [{ name: 'eth1', linkUp: true, references: 1 }, { name: 'eth2', linkUp: true, references: 1 }]), 'eth1', 'equal references: the first wins')
  t.equal(h.ips.bestIface(v('192.0.2.10'), [{ name: 'eth1', linkUp: true, references: 2 }, { name: 'eth2', linkUp: true, references: 1 }]), 'eth2', 'strictly fewer: the later one')
  t.equal(h.ips.bestIface(v('192.0.2.10'), [{ name: 'eth1', linkUp: false, references: 0 }, { name: 'eth2', linkUp: true, references: 5 }]), 'eth2', 'a down link is skipped')
  t.equal(h.ips.bestIface(v('192.0.2.13'), [{ name: 'eth1', linkUp: true, references: 0 }, { name: 'eth2', linkUp: true, references: 0 }]), 'eth2', 'the address\'s own list order decides')
  t.equal(h.ips.bestIface(v('192.0.2.10'), [{ name: 'eth1', linkUp: false, references: 0 }, { name: 'eth2', linkUp: false, references: 0 }]), null)
  // Through take: eth1, then eth2 (eth1 has more), then eth1 again (tie: first wins).
  for (const ip of ['192.0.2.10', '192.0.2.11', '192.0.2.12']) await h.ips.take(ip)
  t.same(h.calls, ['takeip eth1 192.0.2.10 24', 'takeip eth2 192.0.2.11 24', 'takeip eth1 192.0.2.12 24'])
})

t.test('setifacelink down makes the address unavailable and a later take picks the other interface', async t => {
  const h = node('192.0.2.10/24 eth1\n192.0.2.11/24 eth1,eth2\n')
  h.ips.load()
  t.same((await h.ips.list(true)).map(v => v.ip), ['192.0.2.10', '192.0.2.11'])
  h.ips.adminLink.set('eth1', false)
  const avail = await h.ips.list(true)
  t.same(avail.map(v => [v.ip, v.available]), [['192.0.2.11', ['eth2']]], '192.0.2.10 has no interface up')
  t.equal((await h.ips.list(false)).length, 2, 'still known')
  t.same((await h.ips.interfaces()).find(i => i.name === 'eth1'), { name: 'eth1', linkUp: false, references: 0 })
  await h.ips.take('192.0.2.11')
  t.same(h.calls, ['takeip eth2 192.0.2.11 24'])
})

t.test('take with every interface of the address down fails with CORRAL_E_IP_NO_INTERFACE and runs nothing', async t => {
  const h = node(TWO)
  h.ips.load()
  h.ips.adminLink.set('eth1', false)
  h.ips.adminLink.set('eth2', false)
  await t.rejects(h.ips.take('192.0.2.10'), { code: 'CORRAL_E_IP_NO_INTERFACE', message: /192\.0\.2\.10 \(eth1,eth2\)/ })
  t.same(h.calls, [])
  t.equal(h.ips.vnns.get('192.0.2.10')!.busy, false)
})

t.test('a held address whose interface went down moves with updateip OLD_IFACE NEW_IFACE IP MASKBITS', async t => {
  const h = node(TWO, 2)
  h.ips.load()
  await h.ips.take('192.0.2.10')
  h.ips.adminLink.set('eth1', false)
  t.equal(await h.ips.take('192.0.2.10'), 'updateip')
  t.same(h.calls, ['takeip eth1 192.0.2.10 24', 'updateip eth1 eth2 192.0.2.10 24'])
  t.match(h.ips.vnns.get('192.0.2.10'), { iface: 'eth2', owner: 2 })
  t.same([...await h.backend.present()], [['192.0.2.10', 'eth2']])
})

t.test('remove of a held address only marks it delete-pending; its release deletes it', async t => {
  const h = node('192.0.2.10/24 eth1\n192.0.2.11/24 eth2\n')
  h.ips.load()
  await h.ips.take('192.0.2.10')
  t.equal(h.ips.remove('192.0.2.10'), 'pending')
  t.equal(h.ips.vnns.get('192.0.2.10')!.deletePending, true)
  t.same((await h.ips.list(true)).map(v => v.ip), ['192.0.2.11'], 'not available any more')
  t.equal(await h.ips.release('192.0.2.10', -1), 'releaseip')
  t.notOk(h.ips.vnns.has('192.0.2.10'), 'gone after the release')
  t.same([...h.ips.adminLink.keys()], ['eth2'], 'its interface is no longer tracked')
})

t.test('remove of an address not held here removes it at once', async t => {
  const h = node('192.0.2.10/24 eth1\n192.0.2.11/24 eth2\n')
  h.ips.load()
  t.equal(h.ips.remove('192.0.2.11'), 'removed')
  t.same([...h.ips.vnns.keys()], ['192.0.2.10'])
  t.same([...h.ips.adminLink.keys()], ['eth1'])
  t.same(h.calls, [])
})

t.test('reload adds new lines and removes vanished ones (a held one becomes delete-pending)', async t => {
  const h = node('192.0.2.10/24 eth1\n192.0.2.11/24 eth1\n192.0.2.12/24 eth1\n')
  h.ips.load()
  await h.ips.take('192.0.2.12')
  writeFileSync(h.file, '192.0.2.10/24 eth1\n192.0.2.20/24 eth2\n')
  const r = h.ips.reload()
  t.same(r.added, ['192.0.2.20'])
  t.same([...r.removed].sort(), ['192.0.2.11', '192.0.2.12'])
  t.same([...h.ips.vnns.keys()].sort(), ['192.0.2.10', '192.0.2.12', '192.0.2.20'])
  t.equal(h.ips.vnns.get('192.0.2.12')!.deletePending, true, 'held: kept until released')
  t.equal(h.ips.vnns.get('192.0.2.10')!.deletePending, false)
  t.same(h.ips.reload(), { added: [], removed: ['192.0.2.12'] }, 'a second reload adds nothing')
})

t.test('drift reports an address owned here but on no interface, and one on an interface but not owned here', async t => {
  const h = node(TWO, 1)
  h.ips.load()
  t.same(await h.ips.drift(), { missing: [], extra: [] })
  await h.ips.take('192.0.2.10')
  t.same(await h.ips.drift(), { missing: [], extra: [] }, 'consistent after a take')
  h.backend.recordRelease('192.0.2.10') // gone from the interface behind the node's back
  h.backend.recordTake('192.0.2.11', 'eth2') // appeared without a take
  t.same(await h.ips.drift(), { missing: ['192.0.2.10'], extra: ['192.0.2.11'] })
})

t.test('a take while another take of the same address runs fails with CORRAL_E_IP_BUSY', async t => {
  const h = node(TWO)
  h.ips.load()
  let finish!: () => void
  h.next.push(async () => { await new Promise<void>(resolve => { finish = resolve }); return runRecord('OK', 'takeip', []) })
  const first = h.ips.take('192.0.2.10')
  await t.rejects(h.ips.take('192.0.2.10'), { code: 'CORRAL_E_IP_BUSY' })
  await t.rejects(h.ips.release('192.0.2.10', 1), { code: 'CORRAL_E_IP_BUSY' }, 'a release too')
  t.same(await h.ips.drift(), { missing: [], extra: [] }, 'drift skips an address being moved')
  t.equal(await h.ips.take('192.0.2.11'), 'takeip', 'another address is not blocked')
  await new Promise(resolve => setImmediate(resolve))
  finish()
  t.equal(await first, 'takeip')
  t.equal(h.ips.vnns.get('192.0.2.10')!.busy, false)
  t.same(h.calls.map(c => c.split(' ')[2]), ['192.0.2.10', '192.0.2.11'])
})


t.test('addresses taken at once are spread over their interfaces, as CTDB (the interface counts from the start of takeip)', async t => {
  // A takeover run sends every take for a node at once (Promise.all in takeover.ts); CTDB assigns
  // the interface (references++) before running takeip, so the second address goes to eth2.
  const h = node(TWO)
  h.ips.load()
  let finish!: () => void
  h.next.push(async () => { await new Promise<void>(resolve => { finish = resolve }); return runRecord('OK', 'takeip', []) })
  const first = h.ips.take('192.0.2.10')
  await new Promise(resolve => setImmediate(resolve))
  const second = h.ips.take('192.0.2.11')
  await new Promise(resolve => setImmediate(resolve))
  finish()
  t.same(await Promise.all([first, second]), ['takeip', 'takeip'])
  t.same(h.calls, ['takeip eth1 192.0.2.10 24', 'takeip eth2 192.0.2.11 24'], 'the second take goes to eth2')
  t.same((await h.ips.interfaces()).map(i => [i.name, i.references]), [['eth1', 1], ['eth2', 1]], 'one address per interface')
})

t.test('an address on an interface while another node is believed its owner is not taken twice: CORRAL_E_IP_CONFLICT', async t => {
  const h = node(TWO, 0)
  h.ips.load()
  h.ips.setOwner('192.0.2.10', 2)
  h.backend.recordTake('192.0.2.10', 'eth1')
  await t.rejects(h.ips.take('192.0.2.10'), { code: 'CORRAL_E_IP_CONFLICT', message: /node 2/ })
  t.same(h.calls, [])
  t.equal(h.ips.vnns.get('192.0.2.10')!.owner, 2, 'belief unchanged')
})

t.test('an address on an interface that nobody owned is adopted without an event', async t => {
  const h = node(TWO, 1)
  h.ips.load()
  h.backend.recordTake('192.0.2.10', 'eth1')
  t.equal(await h.ips.take('192.0.2.10'), 'redundant')
  t.same(h.calls, [])
  t.match(h.ips.vnns.get('192.0.2.10'), { iface: 'eth1', owner: 1 })
})

t.test('IPv6 addresses are canonicalised: fd00::0001 and fd00::1 are one address', async t => {
  const h = node('fd00::0001/64 eth1\n')
  h.ips.load()
  t.same([...h.ips.vnns.keys()], ['fd00::1'])
  t.equal(await h.ips.take('FD00:0:0::1'), 'takeip')
  t.same(h.calls, ['takeip eth1 fd00::1 64'])
  t.same([...await h.backend.present()], [['fd00::1', 'eth1']])
  t.equal(await h.ips.take('fd00::1'), 'redundant')
  t.equal(await h.ips.release('fd00:0::0001', 1), 'releaseip')
  t.same(h.calls, ['takeip eth1 fd00::1 64', 'releaseip eth1 fd00::1 64'])
  t.equal(h.ips.add({ ip: 'fd00:0000::1', maskbits: 64, ifaces: ['eth1'] }), false, 'already known')
})

t.test('releaseAll releases every held address and leaves them unassigned', async t => {
  const h = node('192.0.2.10/24 eth1\n192.0.2.11/24 eth1\n192.0.2.12/24 eth1\n', 4)
  h.ips.load()
  await h.ips.take('192.0.2.10')
  await h.ips.take('192.0.2.12')
  h.calls.length = 0
  t.equal(await h.ips.releaseAll(), 2)
  t.same([...h.calls].sort(), ['releaseip eth1 192.0.2.10 24', 'releaseip eth1 192.0.2.12 24'])
  t.same([...h.ips.vnns.values()].map(v => [v.ip, v.owner, v.iface]), [['192.0.2.10', -1, null], ['192.0.2.11', -1, null], ['192.0.2.12', -1, null]])
})

t.test('in kernel mode a takeip that leaves the address on no interface fails with CORRAL_E_IP_NOT_APPLIED', async t => {
  const present = new Map<string, string>()
  const links = new Map([['eth1', true]])
  const backend: AddressBackend = { kind: 'kernel', present: async () => new Map(present), links: async () => new Map(links), recordTake () {}, recordRelease () {} }
  const d = mkdtempSync(join(dir, 'k-'))
  writeFileSync(join(d, 'pa'), '192.0.2.10/24 eth1\n')
  const calls: string[] = []
  const ips = new NodeIps({ pnn: () => 0, file: join(d, 'pa'), backend, runEvent: async (e, a) => { calls.push([e, ...a].join(' ')); return runRecord('OK', e, a) }, log: { warn () {}, notice () {}, error () {} } })
  ips.load()
  await t.rejects(ips.take('192.0.2.10'), { code: 'CORRAL_E_IP_NOT_APPLIED' })
  t.match(ips.vnns.get('192.0.2.10'), { iface: null, owner: -1 })
  links.set('eth1', false)
  t.same(await ips.interfaces(), [{ name: 'eth1', linkUp: false, references: 0 }], 'no carrier: link down although admin up')
  t.same(await ips.list(true), [])
})
