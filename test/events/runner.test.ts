import t from 'tap'
import { readFileSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { alive, makeTree, sh } from './fixtures/tree.js'

const tree = makeTree()
t.teardown(() => tree.cleanup())

t.test('scripts run in name order with CTDB argv and stop at the first failure', async t => {
  tree.script('order', '02.second.script', sh('echo "second $1"; exit 3'))
  tree.script('order', '01.first.script', sh('echo "first $1"'))
  tree.script('order', '03.third.script', sh('echo third'))
  tree.script('order', 'README', 'not a script')
  const r = tree.runner()
  const run = await r.run({ component: 'order', event: 'monitor' })
  t.equal(run.state, 'FAILED')
  t.same(run.scripts.map(s => [s.name, s.state]), [['01.first', 'OK'], ['02.second', 'ERROR'], ['03.third', 'NOT_RUN']])
  t.equal(run.scripts[0].output, 'first monitor\n')
  t.equal(run.scripts[1].exitCode, 3)
  t.equal(run.scripts[1].reason, 'exit 3')
})

t.test('run-all keeps going after a failure and the run still fails', async t => {
  const r = tree.runner()
  const run = await r.run({ component: 'order', event: 'monitor', runAll: true })
  t.equal(run.state, 'FAILED')
  t.same(run.scripts.map(s => s.state), ['OK', 'ERROR', 'OK'])
})

t.test('an unmodified CTDB-style takeip script sees IFACE IP MASKBITS as $2 $3 $4', async t => {
  tree.script('ctdb', '10.interface.script', sh('case "$1" in\ntakeip) echo "take $2 $3 $4 base=$CTDB_BASE" ;;\n*) exit 0 ;;\nesac'))
  const r = tree.runner()
  const run = await r.run({ component: 'ctdb', event: 'takeip', args: ['eth0', '192.0.2.10', '24'] })
  t.equal(run.state, 'OK')
  t.equal(run.scripts[0].output, `take eth0 192.0.2.10 24 base=${tree.configDir}\n`)
})

t.test('a script that is not executable is DISABLED and not run', async t => {
  tree.script('dis', '01.off.script', sh('touch ran'), false)
  tree.script('dis', '02.on.script', sh('exit 0'))
  const run = await tree.runner().run({ component: 'dis', event: 'monitor' })
  t.equal(run.state, 'OK')
  t.same(run.scripts.map(s => s.state), ['DISABLED', 'OK'])
})

t.test('output is captured interleaved, multi-line, without a trailing newline, and capped', async t => {
  tree.script('out', '01.lines.script', sh('echo one; echo two >&2; printf three'))
  tree.script('out2', '01.big.script', sh('head -c 5000 /dev/zero | tr "\\0" x; exit 1'))
  const r = tree.runner({ outputCapBytes: 1024 })
  const a = await r.run({ component: 'out', event: 'monitor' })
  t.equal(a.scripts[0].output, 'one\ntwo\nthree')
  t.equal(a.scripts[0].outputTruncated, false)
  const b = await r.run({ component: 'out2', event: 'monitor' })
  t.equal(b.scripts[0].output.length, 1024)
  t.equal(b.scripts[0].outputTruncated, true)
})

t.test('script options reach the script as environment, per-script overriding global', async t => {
  writeFileSync(join(tree.configDir, 'script.options'), '# global\nCTDB_A=global\nexport CTDB_B="global b"\n')
  tree.script('opts', '01.opt.script', sh('echo "$CTDB_A|$CTDB_B"'))
  writeFileSync(join(tree.eventsDir, 'opts', '01.opt.options'), "CTDB_A='mine'\n")
  const run = await tree.runner().run({ component: 'opts', event: 'monitor' })
  t.equal(run.scripts[0].output, 'mine|global b\n')
  writeFileSync(join(tree.eventsDir, 'opts', '01.opt.options'), 'CTDB_A=ok\nthis is not an option\n')
  const bad = await tree.runner().run({ component: 'opts', event: 'monitor' })
  t.equal(bad.scripts[0].state, 'CANNOT_RUN')
  t.match(bad.scripts[0].reason, /01\.opt\.options:2: expected NAME=VALUE/)
})

t.test('bad requests are refused with clear errors', async t => {
  const r = tree.runner()
  await t.rejects(r.run({ component: 'nope', event: 'monitor' }), { code: 'CORRAL_E_COMPONENT_NOT_FOUND', message: 'Event dir for nope does not exist' })
  await t.rejects(r.run({ component: '../etc', event: 'monitor' }), { code: 'CORRAL_E_COMPONENT_NOT_FOUND' })
  await t.rejects(r.run({ component: 'order', event: 'dance' }), { code: 'CORRAL_E_EVENT_INVALID' })
  await t.rejects(r.run({ component: 'ctdb', event: 'takeip', args: ['eth0'] }), { code: 'CORRAL_E_EVENT_INVALID', message: /takes 3 argument\(s\) \(IFACE IP MASKBITS\), got 1/ })
  await t.rejects(r.status('order', 'startup'), { code: 'CORRAL_E_EVENT_NEVER_RAN', message: 'Event startup has never run in order' })
})

t.test('a timed-out script is TIMEDOUT and its whole tree dies, even children ignoring SIGTERM and a setsid grandchild', async t => {
  const pids = join(tree.root, 'pids')
  tree.script('hang', '01.hang.script', sh(`trap '' TERM
echo $$ >> ${pids}
(trap '' TERM; sleep 300 & echo $! >> ${pids}; wait) &
setsid sh -c 'echo $$ >> ${pids}; exec sleep 300' &
sleep 300`))
  const debug = join(tree.root, 'debug.sh')
  writeFileSync(debug, sh(`echo "debugging $1 for $2" > ${join(tree.root, 'debug.out')}`))
  const { chmodSync } = await import('node:fs')
  chmodSync(debug, 0o755)
  const r = tree.runner({ debugScript: debug })
  const t0 = Date.now()
  const run = await r.run({ component: 'hang', event: 'monitor', timeoutMs: 700 })
  const took = Date.now() - t0
  t.equal(run.state, 'TIMEDOUT')
  t.equal(run.scripts[0].state, 'TIMEDOUT')
  t.equal(run.scripts[0].exitCode, null)
  t.ok(took >= 650 && took < 3000, `reported at the deadline (${took} ms)`)
  const listed = readFileSync(pids, 'utf8').trim().split('\n').map(Number)
  t.ok(listed.length >= 3, 'the script started its children')
  const end = Date.now() + 5000
  while (Date.now() < end && listed.some(alive)) await new Promise(resolve => setTimeout(resolve, 50))
  t.same(listed.filter(alive), [], 'every process of the run is gone')
  t.match(readFileSync(join(tree.root, 'debug.out'), 'utf8'), new RegExp(`^debugging ${listed[0]} for monitor`))
  t.ok(tree.logs.some(l => l.includes('event_debug: ') || l.includes('timed out')), 'the timeout is logged')
})

t.test('the deadline counts from arrival: time spent queued counts', async t => {
  tree.script('q', '01.slow.script', sh('sleep 0.6'))
  const r = tree.runner()
  const first = r.run({ component: 'q', event: 'startrecovery' })
  const second = r.run({ component: 'q', event: 'recovered', timeoutMs: 300 })
  const [a, b] = await Promise.all([first, second])
  t.equal(a.state, 'OK')
  t.equal(b.state, 'TIMEDOUT')
  t.equal(b.scripts[0].reason, 'deadline passed before the script could start')
})

t.test('a new event cancels a running monitor, whose result is not stored', async t => {
  tree.script('mon', '01.mon.script', sh('if [ "$1" = monitor ]; then sleep 5; fi; exit 0'))
  const r = tree.runner()
  const ok = await r.run({ component: 'mon', event: 'startup' })
  t.equal(ok.state, 'OK')
  const before = Date.now()
  const monitor = r.run({ component: 'mon', event: 'monitor' })
  await new Promise(resolve => setTimeout(resolve, 200))
  const other = await r.run({ component: 'mon', event: 'ipreallocated' })
  const m = await monitor
  t.equal(m.state, 'CANCELLED')
  t.equal(other.state, 'OK')
  t.ok(Date.now() - before < 3000, 'the monitor did not run to completion')
  await t.rejects(r.status('mon', 'monitor'), { code: 'CORRAL_E_EVENT_NEVER_RAN' }, 'a cancelled monitor is not the last monitor status')
  const s = await r.status('mon', 'ipreallocated', 5)
  t.equal(s.last.state, 'OK')
})

t.test('a monitor arriving while another event runs is rejected as cancelled', async t => {
  tree.script('busy', '01.slow.script', sh('sleep 0.5'))
  const r = tree.runner()
  const running = r.run({ component: 'busy', event: 'startup' })
  await new Promise(resolve => setTimeout(resolve, 100))
  const t0 = Date.now()
  const m = await r.run({ component: 'busy', event: 'monitor' })
  t.equal(m.state, 'CANCELLED')
  t.ok(Date.now() - t0 < 400, 'rejected at once, not queued behind the 0.5 s event')
  t.equal((await running).state, 'OK')
})

t.test('components run in parallel while events within one run in order', async t => {
  tree.script('pa', '01.s.script', sh('sleep 1'))
  tree.script('pb', '01.s.script', sh('sleep 1'))
  const r = tree.runner()
  const t0 = Date.now()
  await Promise.all([r.run({ component: 'pa', event: 'startup' }), r.run({ component: 'pb', event: 'startup' })])
  const parallel = Date.now() - t0
  t.ok(parallel < 1800, `two components took ${parallel} ms`)
  const t1 = Date.now()
  const [x, y] = await Promise.all([r.run({ component: 'pa', event: 'startup' }), r.run({ component: 'pa', event: 'shutdown' })])
  t.ok(Date.now() - t1 >= 1900, 'one component ran its two events one after the other')
  t.ok(y.startedAt >= x.finishedAt, 'in arrival order')
})

t.test('the global concurrency bound holds across components', async t => {
  for (const c of ['ga', 'gb', 'gc']) tree.script(c, '01.s.script', sh('sleep 0.5'))
  const r = tree.runner({ concurrency: 1 })
  const t0 = Date.now()
  await Promise.all(['ga', 'gb', 'gc'].map(c => r.run({ component: c, event: 'startup' })))
  t.ok(Date.now() - t0 >= 1400, 'three components ran one at a time')
})

t.test('a full component queue rejects new events with CORRAL_E_QUEUE_FULL', async t => {
  tree.script('full', '01.s.script', sh('sleep 0.3'))
  const r = tree.runner({ queueLimit: 2 })
  const accepted = [r.run({ component: 'full', event: 'startup' }), r.run({ component: 'full', event: 'startup' }), r.run({ component: 'full', event: 'startup' })]
  await t.rejects(r.run({ component: 'full', event: 'startup' }), { code: 'CORRAL_E_QUEUE_FULL' })
  for (const run of await Promise.all(accepted)) t.equal(run.state, 'OK')
})

t.test('history is bounded per event and newest first', async t => {
  tree.script('hist', '01.ok.script', sh('exit 0'))
  const r = tree.runner({ historySize: 3 })
  const ids: number[] = []
  for (let i = 0; i < 7; i++) ids.push((await r.run({ component: 'hist', event: 'ipreallocated' })).id)
  const s = await r.status('hist', 'ipreallocated', 10)
  t.same(s.history.map(h => h.id), ids.slice(-3).reverse())
  t.equal(s.last.id, ids[6])
})

t.test('plugin entries are delegated to the plugin runner in order, with deadline and options', async t => {
  tree.script('plug', '01.a.script', sh('exit 0'))
  tree.script('plug', '02.check.plugin.ts', 'export default {}\n')
  tree.script('plug', '03.b.script', sh('exit 0'))
  writeFileSync(join(tree.eventsDir, 'plug', '02.check.options'), 'PORT=445\n')
  const calls: Array<{ name: string, deadline: number, options: Record<string, string>, args: string[] }> = []
  const fake = {
    async run (req: { name: string, deadline: number, options: Record<string, string>, args: string[] }) {
      calls.push(req)
      return { name: req.name, kind: 'plugin' as const, state: 'OK' as const, exitCode: 0, signal: null, startedAt: Date.now(), durationMs: 1, output: 'checked\n', outputTruncated: false, reason: '' }
    },
    cancel () {},
    async close () {},
  }
  const r = tree.runner({ pluginRunner: fake })
  const before = Date.now()
  const run = await r.run({ component: 'plug', event: 'takeip', args: ['eth0', '192.0.2.1', '24'], timeoutMs: 4000 })
  t.same(run.scripts.map(s => [s.name, s.kind, s.state]), [['01.a', 'script', 'OK'], ['02.check', 'plugin', 'OK'], ['03.b', 'script', 'OK']])
  t.equal(calls.length, 1)
  t.match(calls[0].options, { PORT: '445', CTDB_A: 'global' }, 'per-entry options over the global ones')
  t.same(calls[0].args, ['eth0', '192.0.2.1', '24'])
  t.ok(calls[0].deadline >= before + 4000 && calls[0].deadline <= Date.now() + 4000)
})

t.test('a per-script timeout gives one script less time than the event', async t => {
  tree.script('pst', '01.slow.script', sh('sleep 5'))
  const r = tree.runner({ scriptTimeoutsS: { 'pst/01.slow': 1 } })
  const t0 = Date.now()
  const run = await r.run({ component: 'pst', event: 'startup', timeoutMs: 20_000 })
  t.equal(run.state, 'TIMEDOUT')
  t.ok(Date.now() - t0 < 3000)
})

t.test('a .ts script runs with node --import tsx', async t => {
  tree.script('tsc', '01.typed.ts', 'const event: string = process.argv[2]\nconsole.log(`typed ${event}`)\n')
  const run = await tree.runner().run({ component: 'tsc', event: 'monitor', timeoutMs: 20_000 })
  t.equal(run.state, 'OK', run.scripts[0].output)
  t.equal(run.scripts[0].output, 'typed monitor\n')
})

t.test('two files with one name: the second cannot run', async t => {
  tree.script('dup', '10.x.script', sh('exit 0'))
  tree.script('dup', '10.x.sh', sh('exit 0'))
  const run = await tree.runner().run({ component: 'dup', event: 'monitor' })
  t.same(run.scripts.map(s => s.state), ['OK', 'CANNOT_RUN'])
  t.match(run.scripts[1].reason, /already used by 10\.x\.script/)
})

t.test('a dangling symlink is listed as disabled', async t => {
  tree.script('dang', '01.ok.script', sh('exit 0'))
  symlinkSync('/nonexistent/file', join(tree.eventsDir, 'dang', '02.gone.script'))
  const run = await tree.runner().run({ component: 'dang', event: 'monitor' })
  t.same(run.scripts.map(s => s.state), ['OK', 'DISABLED'])
})

t.test('events fired at once in one component run in exactly the order they were requested', async t => {
  tree.script('order2', '01.s.script', sh('sleep 0.02'))
  const r = tree.runner()
  const events = ['startup', 'ipreallocated', 'startrecovery', 'recovered', 'shutdown', 'startipreallocate', 'setup', 'init'] as const
  const runs = await Promise.all(events.map(e => r.run({ component: 'order2', event: e })))
  t.same(runs.map(x => x.event), [...events])
  for (let i = 1; i < runs.length; i++) t.ok(runs[i].startedAt >= runs[i - 1].finishedAt, `${runs[i].event} started after ${runs[i - 1].event} finished`)
  t.same(runs.map(x => x.id), [...runs.map(x => x.id)].sort((a, b) => a - b), 'ids follow arrival')
})
