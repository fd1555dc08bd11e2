import t from 'tap'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { healthyFrom, startCluster, type Cluster } from '../../../engine/cli/local-harness.js'
import { corral } from '../../cli/fixtures/daemon.js'

const dir = mkdtempSync(join(tmpdir(), 'corral-cluster-'))
let c: Cluster
t.before(async () => { c = await startCluster(dir, 3, 4391) })
t.teardown(() => { c?.stop(); rmSync(dir, { recursive: true, force: true }) })

t.test('three nodes come up healthy, agree on one leader and one generation', async t => {
  const views = await c.waitFor('a healthy cluster', async () => {
    const all = await Promise.all([0, 1, 2].map(p => healthyFrom(c, p, [0, 1, 2])))
    return all.every(v => v !== null) ? all : null
  })
  const leaders = new Set(views.map(v => v!.leader))
  const gens = new Set(views.map(v => v!.generation))
  t.equal(leaders.size, 1, `one leader: ${[...leaders].join(',')}`)
  t.equal(gens.size, 1, 'one generation')
  t.equal(views[0]!.runstate, 5, 'RUNNING')
  t.equal(views[0]!.lockConfigured, true)
})

t.test('corral status prints the CTDB layout for the local cluster', async t => {
  const r = corral(['--socket', c.nodes[0].socket, 'status'])
  t.equal(r.code, 0)
  t.match(r.stdout, /^Number of nodes:3\npnn:0 127\.0\.0\.1 +OK \(THIS NODE\)\npnn:1 127\.0\.0\.2 +OK\npnn:2 127\.0\.0\.3 +OK\nGeneration:\d+\n/)
  t.match(r.stdout, /Recovery mode:NORMAL \(0\)\nLeader:\d/)
})

t.test('disable sets DISABLED (nodestatus exit 4) and enable clears it everywhere', async t => {
  const S = ['--socket', c.nodes[2].socket]
  t.equal(corral([...S, 'disable']).code, 0)
  t.equal(corral([...S, 'nodestatus']).code, 4)
  await c.waitFor('node 0 to see node 2 DISABLED', async () => (await c.status(0))?.nodes[2].flags === 0x4)
  const again = corral([...S, 'disable'])
  t.equal(again.code, 0)
  t.equal(again.stderr.trim(), 'Node 2 is already disabled')
  t.equal(corral([...S, 'enable']).code, 0)
  await c.waitFor('node 0 to see node 2 OK', async () => (await c.status(0))?.nodes[2].flags === 0)
})

t.test('-n PNN first: carry a command to another node', async t => { t.equal(corral(['--socket', c.nodes[0].socket, '-n', '1', 'pnn']).stdout.trim(), '1') })

t.test('kill -9 of a non-leader: the others mark it DISCONNECTED and recover with a new generation', async t => {
  const before = (await c.status(0))!
  const victim = [0, 1, 2].find(p => p !== before.leader && p !== 0)!
  process.kill(c.pid(victim), 'SIGKILL')
  const t0 = Date.now()
  const after = await c.waitFor('a recovery without the victim', async () => {
    const s = await c.status(0)
    return s !== null && (s.nodes[victim].flags & 0x1) !== 0 && s.generation !== before.generation && s.recoveryMode === 0 ? s : null
  }, 10_000)
  t.ok(Date.now() - t0 < 3000, `took ${Date.now() - t0} ms`)
  t.equal(after.leader, before.leader, 'the leader stays')
})

t.test('kill -9 of the leader: a survivor takes the lock and leads', async t => {
  const before = (await c.status(0))!
  const old = before.leader
  t.not(old, -1)
  if (old === 0) {
    t.pass('node 0 leads; killing it would leave no observer in this test')
    return
  }
  process.kill(c.pid(old), 'SIGKILL')
  const t0 = Date.now()
  const after = await c.waitFor('a new leader', async () => {
    const s = await c.status(0)
    return s !== null && s.leader >= 0 && s.leader !== old && s.recoveryMode === 0 && s.generation !== before.generation ? s : null
  }, 15_000)
  t.ok(Date.now() - t0 < 5000, `took ${Date.now() - t0} ms`)
  t.equal(after.leader, 0)
})

t.test('-n PNN reaches a surviving node, and an unknown PNN is refused', async t => {
  const S = ['--socket', c.nodes[0].socket]
  const status = (await c.status(0))!
  const target = [1, 2].find(p => (status.nodes[p].flags & 0x1) === 0)
  if (target === undefined) { t.pass('no second live node left to address'); return }
  const r = corral([...S, '-n', String(target), 'pnn'])
  t.equal(r.stdout.trim(), String(target), `node ${target} answered`)
  const bad = corral([...S, '-n', '9', 'pnn'])
  t.equal(bad.code, 22)
  t.match(bad.stderr, /node 9 is not in the nodes file/)
})
