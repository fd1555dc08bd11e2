import t from 'tap'
import { ctime, formatRunOutcome, formatStatus, runExitCode, type RunRecord, type ScriptResult } from '../../engine/events/index.js'

const at = new Date(2024, 3, 15, 19, 39, 11).getTime()
const s = (o: Partial<ScriptResult>): ScriptResult => ({ name: '01.test', kind: 'script', state: 'OK', exitCode: 0, signal: null, startedAt: at, durationMs: 14, output: '', outputTruncated: false, reason: '', ...o })
const run = (scripts: ScriptResult[], state: RunRecord['state'] = 'OK'): RunRecord => ({ id: 1, component: 'foo', event: 'monitor', args: [], state, queuedAt: at, startedAt: at, finishedAt: at + 20, deadline: at + 30_000, scripts })

t.test('ctime matches the C library format', async t => {
  t.equal(ctime(at), 'Mon Apr 15 19:39:11 2024')
  t.equal(ctime(new Date(2024, 0, 5, 1, 2, 3).getTime()), 'Fri Jan  5 01:02:03 2024')
})

t.test('status prints CTDB lines: name, state, seconds, start time, and OUTPUT', async t => {
  const text = formatStatus(run([
    s({}),
    s({ name: '02.verbose', output: 'hello\n' }),
    s({ name: '03.off', state: 'DISABLED', startedAt: 0, durationMs: 0, exitCode: null }),
    s({ name: '04.bad', state: 'ERROR', exitCode: 2, output: 'line one\n\nline three', durationMs: 1500, reason: 'exit 2' }),
    s({ name: '05.empty', state: 'ERROR', exitCode: 1, output: '', reason: 'exit 1' }),
  ], 'FAILED'))
  t.equal(text, [
    '01.test              OK         0.014 Mon Apr 15 19:39:11 2024',
    '02.verbose           OK         0.014 Mon Apr 15 19:39:11 2024',
    '  OUTPUT: hello',
    '03.off               DISABLED  ',
    '04.bad               ERROR      1.500 Mon Apr 15 19:39:11 2024',
    '  OUTPUT:',
    '    line one',
    '    ',
    '    line three',
    '05.empty             ERROR      0.014 Mon Apr 15 19:39:11 2024',
    '  OUTPUT: ',
  ].join('\n'))
})

t.test('a timed-out script shows no duration and says why', async t => {
  const text = formatStatus(run([s({ state: 'TIMEDOUT', exitCode: null, reason: 'timed out after 5000 ms', output: 'started\n' })], 'TIMEDOUT'))
  t.equal(text, '01.test              TIMEDOUT   Mon Apr 15 19:39:11 2024\n  REASON: timed out after 5000 ms\n  OUTPUT: started')
})

t.test('exit statuses and messages are distinct per outcome, in CTDB words', async t => {
  t.equal(runExitCode(run([], 'OK')), 0)
  t.equal(runExitCode(run([], 'FAILED')), 8)
  t.equal(runExitCode(run([], 'TIMEDOUT')), 110)
  t.equal(runExitCode(run([], 'CANCELLED')), 125)
  t.equal(formatRunOutcome(run([], 'TIMEDOUT')), 'Event monitor in foo timed out')
  t.equal(formatRunOutcome(run([], 'CANCELLED')), 'Event monitor in foo got cancelled')
  t.equal(formatRunOutcome(run([s({ state: 'ERROR', reason: 'exit 1' })], 'FAILED')), 'Event monitor in foo failed (01.test: exit 1)')
})
