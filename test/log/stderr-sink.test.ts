import t from 'tap'
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const FIXTURE = join(import.meta.dirname, 'fixtures', 'log-to.ts')
const run = (location: string, mode = 'close'): { stdout: string, stderr: string } => {
  const r = spawnSync(process.execPath, ['--import', 'tsx', FIXTURE, location, mode], { encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' }, timeout: 30_000 })
  return { stdout: r.stdout, stderr: r.stderr }
}

t.test('stderr that is not a terminal gets JSON lines, for each spelling of the location', async t => {
  for (const location of ['stderr', 'file:', 'file:-']) {
    const { stdout, stderr } = run(location)
    t.equal(stdout, '', `${location}: nothing on stdout`)
    const lines = stderr.trim().split('\n').map(l => JSON.parse(l) as { msg: string, program: string, component?: string })
    t.same(lines.map(l => l.msg), ['one', 'two', 'three'], `${location}: the messages at or above INFO, in order`)
    t.equal(lines[1].component, 'events')
    t.equal(lines[0].program, 'fixture')
  }
})

t.test('a log file that cannot be opened is said once on stderr and the program still exits', async t => {
  const dir = mkdtempSync(join(tmpdir(), 'corral-stderr-'))
  t.teardown(() => { rmSync(dir, { recursive: true, force: true }) })
  writeFileSync(join(dir, 'plain'), '')
  const { stderr } = run(`file:${join(dir, 'plain', 'x.log')}`)
  const notes = stderr.trim().split('\n')
  t.equal(notes.length, 1, stderr)
  t.match(notes[0], /^corral: log file:.*plain\/x\.log: .*\(messages are buffered, then dropped\)$/)
})

t.test('what is buffered is still written when the program exits without closing the logger', async t => {
  const dir = mkdtempSync(join(tmpdir(), 'corral-exit-'))
  t.teardown(() => { rmSync(dir, { recursive: true, force: true }) })
  // A chunk already being written asynchronously may land after the rest: compare as sets.
  const msgs = (text: string): string[] => text.trim().split('\n').map(l => (JSON.parse(l) as { msg: string }).msg).sort()
  const file = join(dir, 'exit.log')
  run(`file:${file}`, 'exit')
  t.same(msgs(readFileSync(file, 'utf8')), ['one', 'three', 'two'], 'file still opening')
  const open = join(dir, 'exit-open.log')
  run(`file:${open}`, 'exit-open')
  t.same(msgs(readFileSync(open, 'utf8')), ['one', 'three', 'two'], 'file open')
  t.same(msgs(run('stderr', 'exit').stderr), ['one', 'three', 'two'], 'stderr')
})

t.test('pretty output shows CTDB level names and the fields, one message after another', async t => {
  const { stderr } = run('stderr', 'pretty')
  t.match(stderr, /^\[[0-9:.]+\] NOTICE \(\d+\): one\n {4}n: 1\n/)
  t.match(stderr, /INFO \(\d+\): two\n {4}component: "events"\n/)
  t.match(stderr, /ERROR \(\d+\): three\n$/)
  t.notMatch(stderr, /hidden|hostname|program/)
})
