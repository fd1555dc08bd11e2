import t from 'tap'
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { NotificationScript, lifecycleState } from '../../engine/notify/index.js'

const dir = mkdtempSync(join(tmpdir(), 'corral-notify-script-'))
t.teardown(() => rmSync(dir, { recursive: true, force: true }))

const lines: string[] = []
const log = { error: (_o: object, m: string) => lines.push(`E ${m}`), warn: (_o: object, m: string) => lines.push(`W ${m}`), notice: (_o: object, m: string) => lines.push(`N ${m}`), info: (_o: object, m: string) => lines.push(`I ${m}`) }

function script (name: string, body: string): string {
  const p = join(dir, name)
  writeFileSync(p, `#!/bin/sh\n${body}\n`)
  chmodSync(p, 0o755)
  return p
}

t.test('runs SCRIPT STATE for each state, one at a time, in order', async t => {
  const out = join(dir, 'order.out')
  const s = new NotificationScript(script('order.sh', `echo "start $1" >> ${out}; sleep 0.05; echo "end $1" >> ${out}; echo "said $1"`), log)
  for (const st of ['init', 'setup', 'startup', 'unhealthy', 'healthy'] as const) s.notify(st)
  await s.idle()
  t.same(readFileSync(out, 'utf8').trim().split('\n'), ['init', 'setup', 'startup', 'unhealthy', 'healthy'].flatMap(x => [`start ${x}`, `end ${x}`]))
  t.same(s.runs.map(r => r.exitCode), [0, 0, 0, 0, 0])
  t.ok(lines.some(l => l.includes('healthy ok: said healthy')), 'output is logged')
})

t.test('a failing script is logged and the next state still runs', async t => {
  const s = new NotificationScript(script('fail.sh', 'echo "no $1" >&2; exit 3'), log)
  s.notify('setup'); s.notify('startup')
  await s.idle()
  t.same(s.runs.map(r => [r.state, r.exitCode]), [['setup', 3], ['startup', 3]])
  t.ok(lines.some(l => l.startsWith('W ') && l.includes('setup failed (exit 3): no setup')))
})

t.test('a hung script is killed after its timeout and the queue goes on', async t => {
  const out = join(dir, 'hung.out')
  const s = new NotificationScript(script('hung.sh', `if [ "$1" = init ]; then sleep 30 & sleep 30; fi; echo "$1" >> ${out}`), log, 300)
  const t0 = Date.now()
  s.notify('init'); s.notify('setup')
  await s.idle()
  t.ok(Date.now() - t0 < 5000, `finished in ${Date.now() - t0} ms`)
  t.equal(s.runs[0].timedOut, true)
  t.equal(s.runs[1].exitCode, 0)
  t.equal(readFileSync(out, 'utf8'), 'setup\n')
  t.ok(lines.some(l => l.startsWith('E ') && l.includes('init timed out after 300 ms and was killed')))
})

t.test('a missing script is logged, never thrown', async t => {
  const s = new NotificationScript(join(dir, 'absent.sh'), log)
  s.notify('init')
  await s.idle()
  t.equal(s.runs[0].exitCode, null)
  t.ok(lines.some(l => l.includes('cannot run it')))
})

t.test('no script configured: nothing runs', async t => {
  const s = new NotificationScript(null, log)
  s.notify('init')
  await s.idle()
  t.same(s.runs, [])
})

t.test('the queue is bounded: the oldest waiting state is dropped', async t => {
  const s = new NotificationScript(script('slow.sh', 'sleep 0.1'), log, 10_000, 2)
  for (const st of ['init', 'setup', 'startup', 'healthy'] as const) s.notify(st)
  await s.idle()
  t.same(s.runs.map(r => r.state), ['init', 'startup', 'healthy'])
  t.ok(lines.some(l => l.includes('state setup dropped')))
})

t.test('lifecycle states follow the legacy events as ctdbd', async t => {
  t.equal(lifecycleState('init', null), 'init')
  t.equal(lifecycleState('init', 'OK'), null)
  t.equal(lifecycleState('setup', null), null)
  t.equal(lifecycleState('setup', 'OK'), 'setup')
  t.equal(lifecycleState('startup', 'FAILED'), null)
  t.equal(lifecycleState('startup', 'OK'), 'startup')
  t.equal(lifecycleState('monitor', 'OK'), null)
})
