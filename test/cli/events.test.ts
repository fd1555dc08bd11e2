import t from 'tap'
import { chmodSync, mkdirSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { corral, startDaemon } from './fixtures/daemon.js'

const d = await startDaemon()
t.teardown(() => d.stop())
const comp = join(d.configDir, 'events.d', 'demo')
mkdirSync(comp)
const script = (file: string, body: string, mode = 0o755): void => { writeFileSync(join(comp, file), `#!/bin/sh\n${body}\n`); chmodSync(join(comp, file), mode) }
script('01.first.script', 'echo "first $1"')
script('02.second.script', 'echo second')
const S = ['--socket', d.socket]

t.test('event run prints nothing and exits 0 when every script succeeds', async t => {
  const r = corral([...S, 'event', 'run', 'demo', 'monitor'])
  t.equal(r.code, 0, r.stderr)
  t.equal(r.stdout, '')
})

t.test('event status shows the CTDB table', async t => {
  const r = corral([...S, 'event', 'status', 'demo', 'monitor'])
  t.equal(r.code, 0)
  t.match(r.stdout, /^01\.first {13}OK {9}\d\.\d{3} \w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4}\n {2}OUTPUT: first monitor\n02\.second {12}OK/)
})

t.test('a failing script gives exit 8 and CTDB\'s message; status shows its output', async t => {
  script('03.bad.script', 'echo "smbd is down"; exit 2')
  const r = corral([...S, 'event', 'run', 'demo', 'monitor'])
  t.equal(r.code, 8)
  t.match(r.stderr, /^Event monitor in demo failed \(03\.bad: exit 2\)/)
  const s = corral([...S, 'event', 'status', 'demo', 'monitor'])
  t.equal(s.code, 8)
  t.match(s.stdout, /03\.bad {15}ERROR .*\n {2}OUTPUT: smbd is down/)
})

t.test('a timed-out event gives exit 110', async t => {
  mkdirSync(join(d.configDir, 'events.d', 'slow'))
  writeFileSync(join(d.configDir, 'events.d', 'slow', '01.sleep.script'), '#!/bin/sh\nsleep 30\n', { mode: 0o755 })
  const t0 = Date.now()
  const r = corral([...S, 'event', 'run', '--timeout', '0.5', 'slow', 'startup'])
  t.equal(r.code, 110)
  t.equal(r.stderr.trim(), 'Event startup in slow timed out')
  t.ok(Date.now() - t0 < 5000)
})

t.test('--json gives the run record', async t => {
  const r = corral([...S, '--json', 'event', 'run', 'demo', 'startup'])
  const j = JSON.parse(r.stdout) as { run: { state: string, scripts: Array<{ name: string, state: string }> }, exitCode: number }
  t.equal(j.run.state, 'FAILED')
  t.equal(j.exitCode, 8)
  t.same(j.run.scripts.map(s => s.state), ['OK', 'OK', 'ERROR'])
})

t.test('errors are distinct: no component 2, no script 6, bad name 22, never ran 61', async t => {
  const a = corral([...S, 'event', 'run', 'foobar', 'monitor'])
  t.equal(a.code, 2)
  t.equal(a.stderr.trim(), 'corral: Event dir for foobar does not exist')
  const b = corral([...S, 'event', 'script', 'enable', 'demo', '01.test'])
  t.equal(b.code, 6)
  t.equal(b.stderr.trim(), 'corral: Script 01.test does not exist in demo')
  const c = corral([...S, 'event', 'script', 'enable', 'demo', 'README'])
  t.equal(c.code, 22)
  const e = corral([...S, 'event', 'status', 'demo', 'ipreallocated'])
  t.equal(e.code, 61)
  t.equal(e.stderr.trim(), 'corral: Event ipreallocated has never run in demo')
  const f = corral([...S, 'event', 'run', 'demo', 'takeip', 'eth0'])
  t.equal(f.code, 22)
  t.match(f.stderr, /takes 3 argument/)
})

t.test('script disable and enable change the execute bit and what runs', async t => {
  t.equal(corral([...S, 'event', 'script', 'disable', 'demo', '03.bad']).code, 0)
  t.equal(statSync(join(comp, '03.bad.script')).mode & 0o111, 0)
  t.equal(corral([...S, 'event', 'run', 'demo', 'monitor']).code, 0)
  const l = corral([...S, 'event', 'script', 'list', 'demo'])
  t.equal(l.stdout, '* 01.first\n* 02.second\n  03.bad\n')
  t.equal(corral([...S, 'event', 'script', 'enable', 'demo', '03.bad.script']).code, 0)
  t.equal(corral([...S, 'event', 'run', 'demo', 'monitor']).code, 8)
})

t.test('with no daemon, run says so (exit 111) and script list still works locally', async t => {
  const none = join(d.dir, 'nothing.sock')
  const r = corral(['--socket', none, 'event', 'run', 'demo', 'monitor'])
  t.equal(r.code, 111)
  t.equal(r.stderr.trim(), `corral: no corrald is listening on ${none} (is the daemon running?)`)
  const l = corral(['--socket', none, '--config-dir', d.configDir, 'event', 'script', 'list', 'demo'])
  t.equal(l.code, 0, l.stderr)
  t.match(l.stdout, /\* 01\.first/)
})

t.test('ping answers with the daemon pid', async t => {
  const r = corral([...S, '--json', 'ping'])
  t.equal(r.code, 0)
  t.equal(JSON.parse(r.stdout).pid, d.child.pid)
})

t.test('bad CLI usage exits 64 with a message', async t => {
  const r = corral([...S, 'event', 'run'])
  t.equal(r.code, 64)
  t.match(r.stderr, /missing required argument/)
})

t.test('corrald refuses a debug script that is missing, naming the key', async t => {
  const { spawnSync } = await import('node:child_process')
  const { DAEMON } = await import('./fixtures/daemon.js')
  const etc = join(d.dir, 'baddebug')
  mkdirSync(etc)
  writeFileSync(join(etc, 'corral.conf'), '[event]\ndebug script = nope.sh\n')
  const r = spawnSync(process.execPath, [DAEMON, '--config-dir', etc, '--events-only', '--run-dir', join(etc, 'run'), '--state-dir', join(etc, 'state')], { encoding: 'utf8', timeout: 20_000 })
  t.equal(r.status, 78)
  t.match(r.stderr, /corral\.conf \(\[event\] debug script\): .*nope\.sh is missing or not executable/)
})

t.test('corrald refuses a bad config file with file, line and key', async t => {
  const { spawnSync } = await import('node:child_process')
  const { DAEMON } = await import('./fixtures/daemon.js')
  const etc = join(d.dir, 'badconf')
  mkdirSync(etc)
  writeFileSync(join(etc, 'corral.conf'), '[event]\ntimeout = soon\n')
  const r = spawnSync(process.execPath, [DAEMON, '--config-dir', etc, '--events-only'], { encoding: 'utf8', timeout: 20_000 })
  t.equal(r.status, 78)
  t.match(r.stderr, /corral\.conf:2 \(\[event\] timeout\): expected a whole number, got 'soon'/)
})
