import t from 'tap'
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { createLogger, installSighupReopen } from '../../engine/log/index.js'

const dir = mkdtempSync(join(tmpdir(), 'corral-file-'))
t.teardown(() => { rmSync(dir, { recursive: true, force: true }) })

interface Line { level: number, msg: string, program?: string, pid?: number, component?: string, a?: number, sink?: string }
const readLines = (file: string): Line[] => readFileSync(file, 'utf8').trim().split('\n').map(l => JSON.parse(l) as Line)

async function until (what: () => boolean, ms = 2000): Promise<void> {
  const end = Date.now() + ms
  while (!what() && Date.now() < end) await sleep(5)
}

t.test('the file sink appends JSON lines at or above the level, from children too', async t => {
  const file = join(dir, 'sub', 'corral.log')
  const log = createLogger({ location: `file:${file}`, level: 'NOTICE', program: 'corrald', bindings: { pnn: 0 } })
  t.equal(log.sinkName, `file:${file}`)
  log.notice({ a: 1 }, 'first')
  log.info('hidden at NOTICE')
  log.child({ component: 'events' }).warn('from a child')
  await log.flushAndClose()
  const lines = readLines(file)
  t.same(lines.map(l => l.msg), ['first', 'from a child'])
  t.match(lines[0], { level: 35, a: 1, program: 'corrald', pid: process.pid, pnn: 0 })
  t.match(lines[1], { level: 40, component: 'events' })
  const again = createLogger({ location: `file:${file}`, level: 'NOTICE', program: 'corrald' })
  again.error('appended')
  await again.flushAndClose()
  t.same(readLines(file).map(l => l.msg), ['first', 'from a child', 'appended'], 'an existing file is appended to')
})

t.test('after the file is renamed, reopen() writes to a new file at the path', async t => {
  const file = join(dir, 'rotate.log')
  const log = createLogger({ location: `file:${file}`, level: 'NOTICE', program: 'corrald' })
  log.notice('before rotation')
  await until(() => existsSync(file) && readFileSync(file, 'utf8').includes('before'))
  renameSync(file, `${file}.1`)
  log.notice('still to the old file until reopen')
  await sleep(50)
  log.reopen()
  log.error('after rotation')
  await log.flushAndClose()
  t.same(readLines(`${file}.1`).map(l => l.msg), ['before rotation', 'still to the old file until reopen'])
  t.same(readLines(file).map(l => l.msg), ['after rotation'])
})

t.test('SIGHUP reopens the file once installSighupReopen is in place', async t => {
  const file = join(dir, 'hup.log')
  const log = createLogger({ location: `file:${file}`, level: 'NOTICE', program: 'corrald' })
  const uninstall = installSighupReopen(log)
  t.teardown(uninstall)
  log.notice('before')
  await until(() => existsSync(file) && readFileSync(file, 'utf8').includes('before'))
  renameSync(file, `${file}.1`)
  process.kill(process.pid, 'SIGHUP')
  await until(() => existsSync(file))
  log.notice('after')
  await log.flushAndClose()
  t.same(readLines(`${file}.1`).map(l => l.msg), ['before'])
  t.same(readLines(file).map(l => l.msg), ['log reopened on SIGHUP', 'after'])
  t.equal(readLines(file)[0].sink, `file:${file}`)
})

t.test('messages after flushAndClose are ignored, not thrown', async t => {
  const file = join(dir, 'closed.log')
  const log = createLogger({ location: `file:${file}`, level: 'NOTICE', program: 'corrald' })
  log.notice('last')
  await log.flushAndClose()
  t.doesNotThrow(() => { log.error('too late') })
  await log.flushAndClose()
  t.same(readLines(file).map(l => l.msg), ['last'])
})

t.test('a file that cannot be opened neither throws nor holds up flushAndClose', async t => {
  writeFileSync(join(dir, 'plain'), '')
  const log = createLogger({ location: `file:${join(dir, 'plain', 'x.log')}`, level: 'NOTICE', program: 'corrald' })
  t.doesNotThrow(() => { log.error('lost') })
  await sleep(50)
  const t0 = Date.now()
  await log.flushAndClose()
  t.ok(Date.now() - t0 < 500, 'closed at once: there is nothing to write to')
})
