import t from 'tap'
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadConfig, parseConfigText, defaults } from '../../engine/config/index.js'
import { isCorralError } from '../../engine/errors/index.js'

const dir = mkdtempSync(join(tmpdir(), 'corral-config-'))
t.teardown(() => rmSync(dir, { recursive: true, force: true }))

t.test('a missing default config file means every default applies', async t => {
  const c = loadConfig({ configDir: dir, env: {} })
  t.equal(c.file, null)
  t.equal(c.event.timeoutS, defaults.EVENT_SCRIPT_TIMEOUT_S)
  t.equal(c.event.queueLimit, defaults.EVENT_QUEUE_LIMIT)
  t.equal(c.paths.eventsDir, join(dir, 'events.d'))
  t.equal(c.paths.socketPath, join(defaults.DEFAULT_RUN_DIR, defaults.CONTROL_SOCKET_NAME))
  t.equal(c.logging.level, 'NOTICE')
  t.ok(Object.isFrozen(c.event), 'the config is frozen')
})

t.test('values are read with their types, sections case-insensitively', async t => {
  const c = parseConfigText([
    '# corral.conf',
    '[Event]',
    '  timeout = 12',
    'monitor timeout = 5',
    'run all = yes',
    'debug script = debug-hung-script.sh',
    '; comment',
    '[script timeouts]',
    'legacy/10.interface = 3',
    '[paths]',
    'run dir = /tmp/x/run',
  ].join('\n'), 'corral.conf', '/etc/corral')
  t.equal(c.event.timeoutS, 12)
  t.equal(c.event.eventTimeoutsS.monitor, 5)
  t.equal(c.event.runAll, true)
  t.equal(c.event.debugScript, '/etc/corral/debug-hung-script.sh')
  t.same(c.event.scriptTimeoutsS, { 'legacy/10.interface': 3 })
  t.equal(c.paths.socketPath, '/tmp/x/run/corrald.sock')
})

t.test('path overrides win over the file and the environment', async t => {
  const file = join(dir, 'corral.conf')
  writeFileSync(file, '[paths]\nstate dir = /from/file\n')
  const c = loadConfig({ configDir: dir, env: { CORRAL_STATE_DIR: '/from/env' }, overrides: { stateDir: '/from/flag' } })
  t.equal(c.paths.stateDir, '/from/flag')
  const d = loadConfig({ configDir: dir, env: { CORRAL_STATE_DIR: '/from/env' } })
  t.equal(d.paths.stateDir, '/from/env')
  const e = loadConfig({ configDir: dir, env: {} })
  t.equal(e.paths.stateDir, '/from/file')
  rmSync(file)
})

const bad: Array<[string, string, string, RegExp]> = [
  ['a line that is not key = value', '[event]\ntimeout 30\n', 'CORRAL_E_CONFIG_SYNTAX', /^c\.conf:2: expected 'key = value'/],
  ['a key before any section', 'timeout = 3\n', 'CORRAL_E_CONFIG_SYNTAX', /^c\.conf:1 \(timeout\): key 'timeout' appears before any \[section\]/],
  ['a broken section header', '[event\n', 'CORRAL_E_CONFIG_SYNTAX', /^c\.conf:1: bad section header/],
  ['an unknown section', '[nope]\na = 1\n', 'CORRAL_E_CONFIG_UNKNOWN_KEY', /^c\.conf:2 \(\[nope\] a\): unknown section \[nope\]/],
  ['an unknown key', '[event]\ntimeuot = 1\n', 'CORRAL_E_CONFIG_UNKNOWN_KEY', /^c\.conf:2 \(\[event\] timeuot\): unknown key 'timeuot' in \[event\]/],
  ['a number that is not a number', '[event]\ntimeout = 3s\n', 'CORRAL_E_CONFIG_VALUE', /^c\.conf:2 \(\[event\] timeout\): expected a whole number, got '3s'/],
  ['a number out of range', '\n[event]\ntimeout = 0\n', 'CORRAL_E_CONFIG_VALUE', /^c\.conf:3 .*out of range 1\.\.86400/],
  ['a bad boolean', '[event]\nrun all = maybe\n', 'CORRAL_E_CONFIG_VALUE', /expected true or false, got 'maybe'/],
  ['a repeated key', '[event]\ntimeout = 3\ntimeout = 4\n', 'CORRAL_E_CONFIG_VALUE', /^c\.conf:3 .*key repeated \(first set on line 2\)/],
  ['a bad per-script timeout name', '[script timeouts]\ninterface = 3\n', 'CORRAL_E_CONFIG_UNKNOWN_KEY', /COMPONENT\/NN\.name/],
]
for (const [what, text, code, message] of bad) {
  t.test(`${what} is refused with ${code}, naming file and line`, async t => {
    try {
      parseConfigText(text, 'c.conf', '/etc/corral')
      t.fail('should have thrown')
    } catch (err) {
      t.ok(isCorralError(err, code as never), `code ${(err as { code?: string }).code}`)
      t.match((err as Error).message, message)
    }
  })
}

t.test('a config file named explicitly must exist', async t => {
  t.throws(() => loadConfig({ file: join(dir, 'missing.conf'), env: {} }), { code: 'CORRAL_E_CONFIG_READ', message: /missing\.conf/ })
})

t.test('docs/config.md is generated from the schema and current', async t => {
  const { readFileSync } = await import('node:fs')
  const { renderConfigDoc } = await import('../../scripts/config-doc.js')
  t.equal(readFileSync(new URL('../../docs/config.md', import.meta.url), 'utf8'), renderConfigDoc(), 'regenerate with: node --import tsx scripts/config-doc.ts > docs/config.md')
})

t.test('the shipped sample etc/corral.conf loads', async t => {
  const c = loadConfig({ file: new URL('../../etc/corral.conf', import.meta.url).pathname, configDir: '/etc/corral', env: {} })
  t.equal(c.event.timeoutS, defaults.EVENT_SCRIPT_TIMEOUT_S)
})

t.test('an empty environment variable counts as unset', async t => {
  const c = loadConfig({ configDir: dir, env: { CORRAL_SOCKET: '', CORRAL_RUN_DIR: '' } })
  t.equal(c.paths.socketPath, join(defaults.DEFAULT_RUN_DIR, defaults.CONTROL_SOCKET_NAME))
})

t.test('[failover] keys: paths under the config dir, the interfaces mode, and a bad mode named with file and line', async t => {
  const c = parseConfigText(['[failover]', 'interfaces = recorded', 'status callback = cb.sh', 'status callback timeout = 2'].join('\n'), 'corral.conf', '/etc/corral')
  t.equal(c.failover.interfaces, 'recorded')
  t.equal(c.failover.statusCallback, '/etc/corral/cb.sh')
  t.equal(c.failover.statusCallbackTimeoutS, 2)
  t.equal(c.failover.publicAddresses, '/etc/corral/public_addresses')
  t.throws(() => parseConfigText('[failover]\ninterfaces = pretend\n', 'corral.conf', '/etc/corral'),
    { code: 'CORRAL_E_CONFIG_VALUE', message: /corral\.conf:2 .*expected one of kernel, recorded, got 'pretend'/ })
})
