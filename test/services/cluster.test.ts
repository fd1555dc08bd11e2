import t from 'tap'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { healthyFrom, startCluster, type Cluster } from '../../engine/cli/local-harness.js'
import { corral } from '../cli/fixtures/daemon.js'
import { startServer, type Server } from './fixtures/servers.js'

// A 3-node recorded local cluster (port 4440), the shipped 43.process plugin enabled on each node,
// each node monitoring its own real TCP server (127.0.0.N:4445, a process named corral-svc).
// Node 2's plugin warns (SLOW_MS tiny): DEGRADED must show but never move its addresses.
const dir = mkdtempSync(join(tmpdir(), 'corral-services-cluster-'))
const PORT = 4445
const INTERVAL_S = 2
let c: Cluster
const servers: Array<Server | null> = [null, null, null]
const host = (pnn: number): string => `127.0.0.${pnn + 1}`
const cli = (pnn: number, ...args: string[]): ReturnType<typeof corral> => corral(['--socket', c.nodes[pnn].socket, ...args])
const serve = async (pnn: number): Promise<void> => { servers[pnn] = await startServer(host(pnn), PORT, { name: 'corral-svc', dir }) }
const recorded = (pnn: number): string[] => {
  try {
    return Object.keys(JSON.parse(readFileSync(join(c.nodes[pnn].dir, 'state', 'recorded-addresses.json'), 'utf8')) as object)
  } catch {
    return []
  }
}
const flagsOf = async (pnn: number, from = 0): Promise<number | null> => (await c.status(from))?.nodes[pnn]?.flags ?? null
interface Run { state: string, finishedAt: number, scripts: Array<{ name: string, state: string, reason: string }> }
const monitors = (pnn: number): Run[] => {
  // The exit status is the last run's (8 when it failed, as CTDB); the JSON is there either way.
  const r = cli(pnn, '--json', 'event', 'status', '--history', '10', 'legacy', 'monitor')
  try {
    return (JSON.parse(r.stdout) as { history: Run[] }).history
  } catch {
    return []
  }
}

t.before(async () => {
  c = await startCluster(dir, 3, 4440)
  for (const p of [0, 1, 2]) {
    await serve(p)
    const opts = [`PORT=${PORT}`, `HOST=${host(p)}`, 'PROCESS=corral-svc', `MATCH=${host(p)}`, ...(p === 2 ? ['SLOW_MS=0.0001'] : [])]
    writeFileSync(join(c.nodes[p].configDir, 'events.d', 'legacy', '43.process.options'), opts.join('\n') + '\n')
    // `local start` copied the shipped entries (a copy cannot import its plugin by a relative path):
    // remove the copy so `script enable` links the shipped file, as on an installed system.
    rmSync(join(c.nodes[p].configDir, 'events.d', 'legacy', '43.process.plugin.ts'), { force: true })
    const en = cli(p, 'event', 'script', 'enable', 'legacy', '43.process')
    if (en.code !== 0) throw new Error(`enable on node ${p}: ${en.stderr}`)
    cli(p, 'setvar', 'MonitorInterval', String(INTERVAL_S))
  }
})
t.teardown(async () => {
  c?.stop()
  for (const s of servers) await s?.kill()
  rmSync(dir, { recursive: true, force: true })
})

t.test('with every service up the cluster is healthy, two addresses per node, and node 2 shows DEGRADED', async t => {
  await c.waitFor('a healthy cluster', async () => await healthyFrom(c, 0, [0, 1, 2]), 40_000)
  await c.waitFor('2 addresses per node', async () => [0, 1, 2].every(p => recorded(p).length === 2), 30_000)
  await c.waitFor('a process monitor run on node 1', async () => monitors(1).some(r => r.scripts.some(s => s.name === '43.process' && s.state === 'OK')), 20_000)
  const st = await c.waitFor('node 2 DEGRADED in status', async () => { const s = cli(2, 'status'); return /Services:DEGRADED/.test(s.stdout) ? s.stdout : null }, 20_000)
  t.match(st, /Services:DEGRADED on node 2 \(43\.process: 127\.0\.0\.3:4445 accepted a connection in \d+ ms \(SLOW_MS 0\.0001\)\)/)
  t.match(st, /pnn:2 127\.0\.0\.3 +OK \(THIS NODE\)/, 'DEGRADED is not UNHEALTHY')
  const j = JSON.parse(cli(2, '--json', 'status').stdout) as { services: { degraded: boolean, degraded_monitors: number } }
  t.equal(j.services.degraded, true)
  t.ok(j.services.degraded_monitors >= 1, `counted: ${j.services.degraded_monitors}`)
  t.match(cli(2, 'event', 'status', 'legacy', 'monitor').stdout, /43\.process +DEGRADED .*\n {2}REASON: 127\.0\.0\.3:4445 accepted a connection/)
  t.equal(recorded(2).length, 2, 'node 2 keeps its addresses')
})

t.test('killing node 1\'s service makes it UNHEALTHY and moves its addresses within the monitor interval plus takeover time', async t => {
  const mine = recorded(1)
  t.equal(mine.length, 2)
  const t0 = Date.now()
  await servers[1]!.kill('SIGKILL')
  await c.waitFor('node 1 UNHEALTHY as node 0 sees it', async () => ((await flagsOf(1)) ?? 0) & 0x2, 30_000)
  const unhealthyMs = Date.now() - t0
  await c.waitFor('node 1\'s addresses on nodes 0 and 2', async () => {
    const others = [...recorded(0), ...recorded(2)]
    return mine.every(a => others.filter(x => x === a).length === 1) && recorded(1).length === 0
  }, 30_000)
  const movedMs = Date.now() - t0
  t.comment(`service killed -> node 1 UNHEALTHY ${unhealthyMs} ms, its addresses on the others ${movedMs} ms (MonitorInterval ${INTERVAL_S} s)`)
  // One interval until the next monitor, the monitor itself, then the leader's takeover run.
  t.ok(movedMs < INTERVAL_S * 1000 + 8000, `moved in ${movedMs} ms`)
  const failed = monitors(1).find(r => r.state === 'FAILED')
  t.match(failed?.scripts.find(s => s.name === '43.process'), { state: 'ERROR', reason: 'no process corral-svc with \'127.0.0.2\' in its command line is running' })
  t.equal(cli(1, 'nodestatus').code, 2, 'nodestatus exits 2 (UNHEALTHY)')
})

t.test('restarted, node 1 turns healthy only after MonitorRise passing monitors', async t => {
  t.equal(cli(1, 'setvar', 'MonitorRise', '3').code, 0)
  const restartedAt = Date.now()
  await serve(1)
  await c.waitFor('node 1 healthy', async () => (await flagsOf(1, 1)) === 0, 30_000)
  const healthyAt = Date.now()
  const passedBefore = monitors(1).filter(r => r.state === 'OK' && r.finishedAt >= restartedAt && r.finishedAt <= healthyAt)
  t.equal(passedBefore.length, 3, `3 passing monitors before UNHEALTHY cleared (saw ${passedBefore.length})`)
  await c.waitFor('node 1 healthy as node 0 sees it', async () => (await flagsOf(1)) === 0, 10_000)
  t.equal(cli(1, 'setvar', 'MonitorRise', '2').code, 0)
})

t.test('with MonitorFall 3, node 1 turns UNHEALTHY only after 3 failing monitors', async t => {
  t.equal(cli(1, 'setvar', 'MonitorFall', '3').code, 0)
  const killedAt = Date.now()
  await servers[1]!.kill('SIGKILL')
  await c.waitFor('node 1 UNHEALTHY', async () => ((await flagsOf(1, 1)) ?? 0) & 0x2, 30_000)
  const unhealthyAt = Date.now()
  const failedBefore = monitors(1).filter(r => r.state === 'FAILED' && r.finishedAt >= killedAt && r.finishedAt <= unhealthyAt)
  t.equal(failedBefore.length, 3, `3 failing monitors before UNHEALTHY (saw ${failedBefore.length})`)
  t.equal(cli(1, 'setvar', 'MonitorFall', '1').code, 0)
  await serve(1)
  await c.waitFor('node 1 healthy again', async () => (await flagsOf(1)) === 0, 30_000)
})
