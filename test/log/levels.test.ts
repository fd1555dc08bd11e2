import t from 'tap'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createLogger, levelNameOf, parseLogLevel, PINO_LEVEL } from '../../engine/log/index.js'

const dir = mkdtempSync(join(tmpdir(), 'corral-levels-'))
t.teardown(() => { rmSync(dir, { recursive: true, force: true }) })

t.test('levels parse as CTDB does: numbers 0-10 and case-insensitive name prefixes', async t => {
  const cases: Array<[string | number, string]> = [
    ['0', 'ERROR'], ['1', 'WARNING'], ['2', 'WARNING'], ['3', 'NOTICE'], ['4', 'NOTICE'], ['5', 'INFO'],
    ['6', 'INFO'], ['9', 'INFO'], ['10', 'DEBUG'], [10, 'DEBUG'], [3, 'NOTICE'], [' 5 ', 'INFO'],
    ['ERR', 'ERROR'], ['e', 'ERROR'], ['warn', 'WARNING'], ['W', 'WARNING'], ['Notice', 'NOTICE'],
    ['NOTICE', 'NOTICE'], ['i', 'INFO'], ['info', 'INFO'], ['DEBUG', 'DEBUG'], ['deb', 'DEBUG'],
  ]
  for (const [input, want] of cases) t.equal(parseLogLevel(input), want, `${JSON.stringify(input)} is ${want}`)
})

t.test('a bad level is a CorralError naming the config key', async t => {
  for (const bad of ['loud', '11', '-1', '', 'warnings', '2.5', 'x10']) {
    t.throws(() => parseLogLevel(bad), { code: 'CORRAL_E_CONFIG_VALUE', place: { field: 'logging.log level' } }, `'${bad}' is refused`)
  }
  t.throws(() => parseLogLevel('loud'), { message: /^logging\.log level: unknown log level 'loud'/ })
  t.throws(() => createLogger({ location: 'stderr', level: 'verbose', program: 'x' }), { code: 'CORRAL_E_CONFIG_VALUE', message: /logging\.log level/ })
})

t.test('pino numbers map back to CTDB names', async t => {
  for (const [name, n] of Object.entries(PINO_LEVEL)) t.equal(levelNameOf(n), name)
})

t.test('a logger has exactly CTDB levels: error, warning (alias warn), notice, info, debug', async t => {
  const file = join(dir, 'methods.log')
  const log = createLogger({ location: `file:${file}`, level: 'DEBUG', program: 'corrald' })
  t.equal(typeof (log as unknown as Record<string, unknown>).fatal, 'undefined', 'no fatal')
  t.equal(typeof (log as unknown as Record<string, unknown>).trace, 'undefined', 'no trace')
  log.error('e')
  log.warning('w')
  log.warn('w2')
  log.notice('n')
  log.info('i')
  log.debug('d')
  await log.flushAndClose()
  const lines = readFileSync(file, 'utf8').trim().split('\n').map(l => JSON.parse(l) as { level: number, msg: string })
  t.same(lines.map(l => [l.msg, levelNameOf(l.level)]), [['e', 'ERROR'], ['w', 'WARNING'], ['w2', 'WARNING'], ['n', 'NOTICE'], ['i', 'INFO'], ['d', 'DEBUG']])
})

t.test('setLevel changes the level at run time, for child loggers made earlier too', async t => {
  const file = join(dir, 'setlevel.log')
  const log = createLogger({ location: `file:${file}`, level: 'NOTICE', program: 'corrald' })
  const child = log.child({ component: 'events' })
  t.equal(log.getLevel(), 'NOTICE')
  child.info('hidden at NOTICE')
  log.setLevel('debug')
  t.equal(log.getLevel(), 'DEBUG')
  child.debug('shown at DEBUG')
  log.setLevel(0)
  t.equal(child.getLevel(), 'ERROR', 'a child reads the same level')
  child.warning('hidden at ERROR')
  child.error('shown at ERROR')
  t.throws(() => { log.setLevel('chatty') }, { code: 'CORRAL_E_CONFIG_VALUE', place: { field: 'level' } })
  t.equal(log.getLevel(), 'ERROR', 'a refused level leaves the level alone')
  await log.flushAndClose()
  const msgs = readFileSync(file, 'utf8').trim().split('\n').map(l => (JSON.parse(l) as { msg: string }).msg)
  t.same(msgs, ['shown at DEBUG', 'shown at ERROR'])
})
