import t, { type Test } from 'tap'
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { healthyFrom, startCluster, type Cluster } from '../../../engine/cli/local-harness.js'
import { corral } from '../../cli/fixtures/daemon.js'

// A 2-node recorded cluster whose leader runs a status callback before each takeover run. The
// callback prints whatever the file `answer` holds, so each test steers it by writing that file.
const dir = mkdtempSync(join(tmpdir(), 'corral-cb-'))
const answer = join(dir, 'answer')
let c: Cluster
t.before(async () => {
  const cb = join(dir, 'callback.sh')
  writeFileSync(cb, `#!/bin/sh\ncat > ${join(dir, 'state.json')}\n[ -e ${answer}.sleep ] && sleep 30\ncat ${answer} 2>/dev/null\nexit 0\n`)
  chmodSync(cb, 0o755)
  const extra = join(dir, 'extra.conf')
  writeFileSync(extra, `[failover]\nstatus callback = ${cb}\nstatus callback timeout = 1\n`)
  c = await startCluster(dir, 2, 4406, undefined, extra)
  await c.waitFor('a healthy cluster', async () => await healthyFrom(c, 0, [0, 1]))
})
t.teardown(() => { c?.stop(); rmSync(dir, { recursive: true, force: true }) })

const held = (pnn: number): number => {
  try {
    return Object.keys(JSON.parse(readFileSync(join(c.nodes[pnn].dir, 'state', 'recorded-addresses.json'), 'utf8')) as object).length
  } catch {
    return 0
  }
}
const reallocate = (t: Test): void => { t.equal(corral(['--socket', c.nodes[0].socket, 'ipreallocate']).code, 0, 'ipreallocate') }
const logs = (): string => readFileSync(c.nodes[0].logFile, 'utf8') + readFileSync(c.nodes[1].logFile, 'utf8')

t.test('the callback sees the cluster state and its exclusions keep addresses off a node', async t => {
  await c.waitFor('addresses on both nodes', async () => held(0) > 0 && held(1) > 0, 30_000)
  writeFileSync(answer, '{"exclude":[1]}')
  reallocate(t)
  await c.waitFor('all four addresses on node 0', async () => held(0) === 4 && held(1) === 0)
  const state = JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8')) as { generation: number, nodes: Array<{ pnn: number }> }
  t.same(state.nodes.map(n => n.pnn), [0, 1], 'the callback got every node on stdin')
  t.ok(state.generation > 0, 'and the generation')
})

t.test('bad output is logged with a clear reason and the run goes on without it', async t => {
  writeFileSync(answer, 'not json')
  reallocate(t)
  await c.waitFor('node 1 hosts again', async () => held(1) > 0)
  t.match(logs(), /status callback .*callback\.sh: printed something that is not JSON/)
})

t.test('a hung callback is killed at its timeout and never stalls the run', async t => {
  writeFileSync(answer, '{"exclude":[0]}')
  writeFileSync(`${answer}.sleep`, '')
  const t0 = Date.now()
  reallocate(t)
  t.ok(Date.now() - t0 < 10_000, `ipreallocate returned in ${Date.now() - t0} ms`)
  t.match(logs(), /status callback .*timed out after 1000 ms \(killed\)/)
  rmSync(`${answer}.sleep`)
})
