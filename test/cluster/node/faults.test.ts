import t from 'tap'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { spawn } from 'node:child_process'
import { healthyFrom, startCluster, type Cluster } from '../../../engine/cli/local-harness.js'
import { DAEMON } from '../../cli/fixtures/daemon.js'

const dir = mkdtempSync(join(tmpdir(), 'corral-faults-'))
let c: Cluster
t.before(async () => { c = await startCluster(dir, 3, 4392) })
t.teardown(() => {
  for (const p of [0, 1, 2]) { try { process.kill(c.pid(p), 'SIGCONT') } catch {} }
  c?.stop()
  rmSync(dir, { recursive: true, force: true })
})

t.test('a hung node (SIGSTOP) is DISCONNECTED within about 2.5 s and rejoins after SIGCONT', async t => {
  await c.waitFor('a healthy cluster', async () => await healthyFrom(c, 0, [0, 1, 2]))
  const pid = c.pid(2)
  process.kill(pid, 'SIGSTOP')
  const t0 = Date.now()
  await c.waitFor('node 2 DISCONNECTED', async () => ((await c.status(0))?.nodes[2].flags ?? 0) & 0x1, 10_000)
  const took = Date.now() - t0
  t.ok(took > 1000 && took < 3500, `detected in ${took} ms (not before the detector's bound, not long after)`)
  process.kill(pid, 'SIGCONT')
  await c.waitFor('node 2 back', async () => await healthyFrom(c, 0, [0, 1, 2]), 20_000)
  t.pass('rejoined')
})

t.test('a node with the wrong cluster key cannot join', async t => {
  const etc = join(dir, 'intruder')
  const { mkdirSync, readFileSync } = await import('node:fs')
  mkdirSync(join(etc, 'events.d', 'legacy'), { recursive: true })
  writeFileSync(join(etc, 'nodes'), readFileSync(join(c.nodes[0].configDir, 'nodes')))
  writeFileSync(join(etc, 'cluster.key'), 'x'.repeat(32), { mode: 0o600 })
  // The intruder dials the real nodes on their port with a wrong key.
  writeFileSync(join(etc, 'corral.conf'), `[cluster]\nnode address = 127.0.0.4\nport = 4392\n[paths]\nrun dir = ${join(etc, 'run')}\nstate dir = ${join(etc, 'state')}\n[logging]\nlocation = file:${join(etc, 'log')}\n`)
  writeFileSync(join(etc, 'nodes'), `${readFileSync(join(c.nodes[0].configDir, 'nodes'), 'utf8')}127.0.0.4\n`)
  const child = spawn(process.execPath, [DAEMON, '--config-dir', etc], { stdio: 'ignore' })
  await new Promise(resolve => setTimeout(resolve, 2500))
  const s = await c.status(0)
  t.equal(s?.nodes.length, 3, 'the cluster still has its three nodes')
  t.same(s?.nodes.map(n => n.flags & 0x1), [0, 0, 0], 'and all of them connected')
  child.kill('SIGKILL')
  t.match(readFileSync(join(etc, 'log'), 'utf8'), /node 127\.0\.0\.1 does not hold our cluster key/, 'the intruder learns only that the key differs')
})

t.test('a bad nodes file stops the daemon with file and line', async t => {
  const etc = join(dir, 'badnodes')
  const { mkdirSync } = await import('node:fs')
  mkdirSync(etc, { recursive: true })
  writeFileSync(join(etc, 'nodes'), '127.0.0.1\nnot-an-address\n')
  writeFileSync(join(etc, 'cluster.key'), 'k'.repeat(32), { mode: 0o600 })
  writeFileSync(join(etc, 'corral.conf'), `[paths]\nrun dir = ${join(etc, 'run')}\nstate dir = ${join(etc, 'state')}\n[logging]\nlocation = file:${join(etc, 'log')}\n`)
  const child = spawn(process.execPath, [DAEMON, '--config-dir', etc], { stdio: ['ignore', 'ignore', 'pipe'] })
  let err = ''
  child.stderr.on('data', (d: Buffer) => { err += d.toString() })
  const code = await new Promise<number | null>(resolve => child.once('exit', resolve))
  t.equal(code, 78)
  t.match(err, new RegExp(`${etc.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/nodes:2`))
})

t.test('a node cut off from the others cannot take the lock and never acts as a second leader', async t => {
  const { mkdirSync, readFileSync } = await import('node:fs')
  const { connectControl } = await import('../../../engine/transport/client.js')
  const { StatusRequestSchema } = await import('../../../protocol/gen/corral/v1/cluster_pb.js')
  await c.waitFor('a healthy cluster', async () => await healthyFrom(c, 0, [0, 1, 2]))
  const leader = (await c.status(0))!.leader
  // Same nodes, key and lock file, but its links go to a port nobody listens on: it is partitioned.
  const etc = join(dir, 'island')
  mkdirSync(join(etc, 'events.d', 'legacy'), { recursive: true })
  writeFileSync(join(etc, 'nodes'), readFileSync(join(c.nodes[0].configDir, 'nodes')))
  writeFileSync(join(etc, 'cluster.key'), readFileSync(join(c.nodes[0].configDir, 'cluster.key')), { mode: 0o600 })
  const conf = readFileSync(join(c.nodes[0].configDir, 'corral.conf'), 'utf8')
  const lock = /cluster lock = (.*)/.exec(conf)![1]
  writeFileSync(join(etc, 'corral.conf'), `[cluster]\nnode address = 127.0.0.1\nport = 4398\ncluster lock = ${lock}\n[paths]\nrun dir = ${join(etc, 'run')}\nstate dir = ${join(etc, 'state')}\n[logging]\nlocation = file:${join(etc, 'log')}\n`)
  const child = spawn(process.execPath, [DAEMON, '--config-dir', etc], { stdio: 'ignore' })
  try {
    await new Promise(resolve => setTimeout(resolve, 3000))
    const conn = await connectControl(join(etc, 'run', 'corrald.sock'), { timeoutMs: 2000 })
    const island = await conn.request(StatusRequestSchema, {})
    conn.close()
    t.equal(island.leader, -1, 'the island knows no leader')
    t.same(island.nodes.map(n => n.flags & 0x1), [0, 1, 1], 'and sees the others as DISCONNECTED')
    t.notMatch(readFileSync(join(etc, 'log'), 'utf8'), /recovery started/, 'it never ran a recovery')
    t.equal((await c.status(0))!.leader, leader, 'the real leader keeps leading')
  } finally {
    child.kill('SIGKILL')
  }
})
