import t from 'tap'
import { readFileSync } from 'node:fs'
import { ERRORS, CorralError, exitCodeOf, isCorralError } from '../../engine/errors/index.js'
import { renderErrorsDoc } from '../../scripts/errors-doc.js'

t.test('docs/errors.md lists exactly the codes of the catalogue', async t => {
  const doc = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8')
  t.equal(doc, renderErrorsDoc(), 'regenerate with: node --import tsx scripts/errors-doc.ts > docs/errors.md')
})

t.test('every code is CORRAL_E_ followed by upper-case words', async t => {
  for (const code of Object.keys(ERRORS)) t.match(code, /^CORRAL_E_[A-Z0-9_]+$/)
})

t.test('an error names its file and line before the message', async t => {
  const err = new CorralError('CORRAL_E_CONFIG_VALUE', 'expected a whole number', { place: { file: '/etc/corral/corral.conf', line: 7, field: '[event] timeout' } })
  t.equal(err.message, '/etc/corral/corral.conf:7 ([event] timeout): expected a whole number')
  t.equal(err.code, 'CORRAL_E_CONFIG_VALUE')
  t.equal(err.exitCode, ERRORS.CORRAL_E_CONFIG_VALUE.exit)
  t.ok(isCorralError(err, 'CORRAL_E_CONFIG_VALUE'))
  t.notOk(isCorralError(err, 'CORRAL_E_USAGE'))
})

t.test('a foreign error maps to exit status 1', async t => {
  t.equal(exitCodeOf(new Error('boom')), 1)
  t.equal(exitCodeOf(new CorralError('CORRAL_E_EVENT_TIMEDOUT', 'x')), 110)
})
