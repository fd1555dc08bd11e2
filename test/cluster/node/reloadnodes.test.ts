import t from 'tap'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { healthyFrom, startCluster, type Cluster } from '../../../engine/cli/local-harness.js'
import { corral } from '../../cli/fixtures/daemon.js'

const dir = mkdtempSync(join(tmpdir(), 'corral-reload-'))
let c: Cluster
t.before(async () => { c = await startCluster(dir, 3, 4399) })
t.teardown(() => { c?.stop(); rmSync(dir, { recursive: true, force: true }) })
const setNodes = (text: string): void => { for (const n of c.nodes) writeFileSync(join(n.configDir, 'nodes'), text) }
const S = (): string[] => ['--socket', c.nodes[0].socket]

t.test('deleting a node that is still connected is refused with CTDB\'s message', async t => {
  await c.waitFor('a healthy cluster', async () => await healthyFrom(c, 0, [0, 1, 2]))
  setNodes('127.0.0.1\n127.0.0.2\n#127.0.0.3\n')
  const r = corral([...S(), 'reloadnodes'])
  t.equal(r.code, 78)
  t.match(r.stderr, /ERROR: Node 2 is still connected/)
})

t.test('a stopped node can be deleted, and a new line is a NEW node, without restarting anything', async t => {
  process.kill(c.pid(2), 'SIGKILL')
  await c.waitFor('node 2 disconnected', async () => ((await c.status(0))?.nodes[2].flags ?? 0) & 0x1)
  setNodes('127.0.0.1\n127.0.0.2\n#127.0.0.3\n127.0.0.4\n')
  const r = corral([...S(), 'reloadnodes'])
  t.equal(r.code, 0, r.stderr)
  t.match(r.stdout, /Node 2 is DELETED\nNode 3 is NEW/)
  const s = await c.waitFor('the new nodemap on both nodes', async () => {
    const [a, b] = await Promise.all([c.status(0), c.status(1)])
    return a?.nodes.length === 4 && b?.nodes.length === 4 ? a : null
  })
  t.same(s.nodes.map(n => [n.address, n.flags & 0x11]), [['127.0.0.1', 0], ['127.0.0.2', 0], ['0.0.0.0', 0x10], ['127.0.0.4', 0x1]])
  const st = corral([...S(), 'status'])
  t.match(st.stdout, /Number of nodes:4 \(including 1 deleted nodes\)/)
})

t.test('changing the address of an existing node is refused', async t => {
  setNodes('127.0.0.9\n127.0.0.2\n#127.0.0.3\n127.0.0.4\n')
  const r = corral([...S(), 'reloadnodes'])
  t.equal(r.code, 78)
  t.match(r.stderr, /Node 0 has changed IP address/)
})
