import t from 'tap'
import { thrownVerdict, verdictOf } from '../../../engine/events/plugin-host/verdict.js'

t.test('what a handler returns maps to OK, DEGRADED or ERROR', async t => {
  const cases: [string, unknown, string, string | RegExp][] = [
    ['nothing', undefined, 'OK', ''],
    ['null', null, 'OK', ''],
    ['a failure', { ok: false, reason: 'port closed' }, 'ERROR', 'port closed'],
    ['a failure without a reason', { ok: false }, 'ERROR', 'plugin reported a failure'],
    ['a multi-line failure', { ok: false, reason: 'a\n\n b ' }, 'ERROR', 'a / b'],
    ['degraded', { status: 'degraded', reason: 'slow disk' }, 'DEGRADED', 'slow disk'],
    ['degraded without a reason', { status: 'degraded' }, 'DEGRADED', 'no reason given'],
    ['ok: true (not a result)', { ok: true }, 'ERROR', /^CORRAL_E_PLUGIN_RESULT: handler returned \{ ok: true \}/],
    ['a number', 42, 'ERROR', /^CORRAL_E_PLUGIN_RESULT: handler returned 42;/],
    ['a string', 'fine', 'ERROR', /^CORRAL_E_PLUGIN_RESULT: handler returned 'fine'/],
    ['an array', [], 'ERROR', /CORRAL_E_PLUGIN_RESULT/],
    ['both ok and status', { ok: false, status: 'degraded', reason: 'x' }, 'ERROR', /CORRAL_E_PLUGIN_RESULT/],
    ['an unknown status', { status: 'failed', reason: 'x' }, 'ERROR', /CORRAL_E_PLUGIN_RESULT/],
  ]
  for (const [name, value, state, reason] of cases) t.match(verdictOf(value), { state, reason }, name)
})

t.test('a thrown value gives its first line as the reason and the rest as detail', async t => {
  t.same(thrownVerdict(new Error('smbd down')), { reason: 'smbd down', detail: '' })
  t.same(thrownVerdict(new Error('\nfirst\nsecond\nthird')), { reason: 'first', detail: 'second\nthird' })
  t.same(thrownVerdict('plain string'), { reason: 'plain string', detail: '' })
  t.same(thrownVerdict(new TypeError('')), { reason: 'TypeError thrown without a message', detail: '' })
  t.match(thrownVerdict({ code: 7 }).reason, /code: 7/)
})

t.test('a failed zx command says how it ended and keeps its stderr', async t => {
  const fake = { exitCode: 2, signal: null, stdout: '', stderr: 'ls: cannot access x\nmore\n', message: 'ignored' }
  t.same(thrownVerdict(fake), { reason: 'command failed with exit code 2: ls: cannot access x', detail: 'ls: cannot access x\nmore' })
  t.same(thrownVerdict({ exitCode: null, signal: 'SIGTERM', stdout: '', stderr: '' }), { reason: 'command failed with signal SIGTERM', detail: '' })
})
