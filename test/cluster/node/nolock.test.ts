import t from 'tap'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { healthyFrom, startCluster, type Cluster } from '../../../engine/cli/local-harness.js'
import { corral } from '../../cli/fixtures/daemon.js'

const dir = mkdtempSync(join(tmpdir(), 'corral-nolock-'))
let c: Cluster
t.before(async () => { c = await startCluster(dir, 2, 4401, 'none') })
t.teardown(() => { c?.stop(); rmSync(dir, { recursive: true, force: true }) })

t.test('without a cluster lock the nodes still elect one leader, as CTDB does, and status warns', async t => {
  const [a, b] = await c.waitFor('both nodes agree', async () => {
    const v = await Promise.all([healthyFrom(c, 0, [0, 1]), healthyFrom(c, 1, [0, 1])])
    return v[0] !== null && v[1] !== null && v[0].leader === v[1].leader ? v : null
  })
  t.equal(a!.lockConfigured, false)
  t.equal(a!.leader, b!.leader)
  const r = corral(['--socket', c.nodes[0].socket, 'status'])
  t.match(r.stdout, /WARNING: no cluster lock configured: split brain is possible/)
  const j = JSON.parse(corral(['--socket', c.nodes[0].socket, '--json', 'status']).stdout) as { cluster_lock: { split_brain_possible: boolean } }
  t.equal(j.cluster_lock.split_brain_possible, true)
})

t.test('the leader dies: the survivor leads', async t => {
  const leader = (await c.status(0))!.leader
  const other = leader === 0 ? 1 : 0
  process.kill(c.pid(leader), 'SIGKILL')
  const s = await c.waitFor('the survivor to lead', async () => {
    const v = await c.status(other)
    return v !== null && v.leader === other && v.recoveryMode === 0 ? v : null
  }, 10_000)
  t.equal(s.leader, other)
})
