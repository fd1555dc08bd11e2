import t from 'tap'
import { chmodSync, existsSync, mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { healthyFrom, startCluster, type Cluster } from '../../../engine/cli/local-harness.js'
import { corral } from '../../cli/fixtures/daemon.js'

const dir = mkdtempSync(join(tmpdir(), 'corral-health-'))
let c: Cluster
const sick = join(dir, 'sick')
t.before(async () => {
  c = await startCluster(dir, 2, 4400)
  // A monitor script on node 1 that fails while the file `sick` exists.
  const f = join(c.nodes[1].configDir, 'events.d', 'legacy', '50.check.script')
  writeFileSync(f, `#!/bin/sh\n[ "$1" = monitor ] && [ -e ${sick} ] && { echo "service down"; exit 1; }\nexit 0\n`)
  chmodSync(f, 0o755)
})
t.teardown(() => { c?.stop(); rmSync(dir, { recursive: true, force: true }) })

t.test('the lifecycle events ran in CTDB\'s order: init, setup, startrecovery, recovered, startup', async t => {
  await c.waitFor('a healthy cluster', async () => await healthyFrom(c, 0, [0, 1]))
  const started = (event: string): number => {
    const r = corral(['--socket', c.nodes[0].socket, '--json', 'event', 'status', '--history', '10', 'legacy', event])
    t.equal(r.code, 0, `${event} ran`)
    // The first run of the event (later recoveries run recovered again).
    const j = JSON.parse(r.stdout) as { last: { startedAt: number }, history: Array<{ startedAt: number }> }
    return Math.min(j.last.startedAt, ...j.history.map(h => h.startedAt))
  }
  const times = ['init', 'setup', 'startrecovery', 'recovered', 'startup'].map(started)
  t.same([...times].sort((a, b) => a - b), times, 'in this order')
  t.equal((await c.status(0))!.runstate, 5, 'RUNNING')
})

t.test('a failing monitor makes the node UNHEALTHY and passing ones clear it', async t => {
  writeFileSync(sick, '')
  await c.waitFor('node 1 UNHEALTHY as node 0 sees it', async () => ((await c.status(0))?.nodes[1].flags ?? 0) & 0x2, 40_000)
  const s = corral(['--socket', c.nodes[1].socket, 'event', 'status', 'legacy', 'monitor'])
  t.match(s.stdout, /50\.check {13}ERROR .*\n {2}OUTPUT: service down/)
  t.equal(corral(['--socket', c.nodes[1].socket, 'nodestatus']).code, 2, 'nodestatus exits 2 (UNHEALTHY)')
  if (existsSync(sick)) unlinkSync(sick)
  await c.waitFor('node 1 healthy again', async () => ((await c.status(0))?.nodes[1].flags ?? 1) === 0 ? true : null, 40_000)
  t.pass('healthy again after MonitorRise passing monitors')
})
