import t from 'tap'
import { lstatSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { corral } from './fixtures/daemon.js'

const dir = mkdtempSync(join(tmpdir(), 'corral-local-'))
t.teardown(() => { corral(['local', 'stop', '--dir', dir]); rmSync(dir, { recursive: true, force: true }) })

t.test('local start brings up N nodes with their own sockets and the sample events', async t => {
  const r = corral(['--json', 'local', 'start', '--nodes', '2', '--dir', dir])
  t.equal(r.code, 0, r.stderr)
  const j = JSON.parse(r.stdout) as { nodes: Array<{ pnn: number, address: string, running: boolean, socket: string, pid: number }> }
  t.same(j.nodes.map(n => [n.pnn, n.address, n.running]), [[0, '127.0.0.1', true], [1, '127.0.0.2', true]])
  const run = corral(['--socket', j.nodes[1].socket, 'event', 'run', 'legacy', 'startup'])
  t.equal(run.code, 0, run.stderr)
  const st = corral(['--socket', j.nodes[1].socket, 'event', 'status', 'legacy', 'startup'])
  t.match(st.stdout, /^00\.sample {12}OK .*\n {2}OUTPUT: sample: startup/)
  // Shipped plugins are not copied in: enabling one links the package's file, whose imports resolve.
  const enable = corral(['--socket', j.nodes[1].socket, 'event', 'script', 'enable', 'legacy', '43.process'])
  t.equal(enable.code, 0, enable.stderr)
  t.ok(lstatSync(join(dir, 'node1', 'etc', 'events.d', 'legacy', '43.process.plugin.ts')).isSymbolicLink(), '43.process is a link into the package')
  t.equal(corral(['--socket', j.nodes[1].socket, 'event', 'script', 'disable', 'legacy', '43.process']).code, 0)
  t.equal(corral(['local', 'start', '--nodes', '2', '--dir', dir]).code, 64, 'a second start refuses while nodes run')
  t.equal(readFileSync(join(dir, 'node0', 'etc', 'nodes'), 'utf8'), '127.0.0.1\n127.0.0.2\n')
})

t.test('local status and stop see and stop exactly those nodes', async t => {
  const s = corral(['local', 'status', '--dir', dir])
  t.match(s.stdout, /0 {4}127\.0\.0\.1 {4}\d+ +running/)
  const stop = corral(['local', 'stop', '--dir', dir])
  t.equal(stop.code, 0)
  t.match(stop.stdout, /Stopped 2 local node\(s\)/)
  const after = corral(['--json', 'local', 'status', '--dir', dir])
  t.same((JSON.parse(after.stdout) as { nodes: Array<{ running: boolean }> }).nodes.map(n => n.running), [false, false])
})
