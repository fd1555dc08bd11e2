import t from 'tap'
import { chmodSync, existsSync, lstatSync, mkdirSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { openScriptDirectory, parseEntryFile } from '../../engine/events/index.js'
import { makeTree, sh } from './fixtures/tree.js'

const tree = makeTree()
t.teardown(() => tree.cleanup())

t.test('entry names follow CTDB: NN.name plus a known suffix, extra dots allowed', async t => {
  t.same(parseEntryFile('10.interface.script'), { name: '10.interface', kind: 'script', runner: 'exec' })
  t.same(parseEntryFile('10.a.b.script'), { name: '10.a.b', kind: 'script', runner: 'exec' })
  t.same(parseEntryFile('20.x.sh'), { name: '20.x', kind: 'script', runner: 'exec' })
  t.same(parseEntryFile('30.y.ts'), { name: '30.y', kind: 'script', runner: 'tsx' })
  t.same(parseEntryFile('40.z.plugin.ts'), { name: '40.z', kind: 'plugin', runner: 'plugin' })
  t.same(parseEntryFile('40.z.plugin.mjs'), { name: '40.z', kind: 'plugin', runner: 'plugin' })
  for (const bad of ['README', 'a.script', '1.x.script', '10.script', '10.x.script~', '10.x.options']) t.equal(parseEntryFile(bad), null, bad)
})

t.test('enable makes a local script executable and disable clears the x bits', async t => {
  const path = tree.script('en', '01.local.script', sh('exit 0'), false)
  const dir = openScriptDirectory({ eventsDir: tree.eventsDir, dataDir: tree.dataDir })
  const on = await dir.setScriptEnabled('en', '01.local', true)
  t.equal(on.enabled, true)
  t.equal(statSync(path).mode & 0o111, 0o111)
  await dir.setScriptEnabled('en', '01.local.script', false)
  t.equal(statSync(path).mode & 0o111, 0)
  t.same((await dir.listScripts('en')).map(s => [s.name, s.enabled]), [['01.local', false]])
})

t.test('enable links a shipped script from the data dir, disable removes the link', async t => {
  mkdirSync(join(tree.dataDir, 'en'), { recursive: true })
  const shipped = join(tree.dataDir, 'en', '10.shipped.script')
  writeFileSync(shipped, sh('exit 0'))
  chmodSync(shipped, 0o755)
  const dir = openScriptDirectory({ eventsDir: tree.eventsDir, dataDir: tree.dataDir })
  t.same((await dir.listScripts('en')).map(s => [s.name, s.enabled]), [['10.shipped', false], ['01.local', false]])
  const on = await dir.setScriptEnabled('en', '10.shipped', true)
  t.equal(on.linkTarget, shipped)
  t.ok(lstatSync(join(tree.eventsDir, 'en', '10.shipped.script')).isSymbolicLink())
  t.same((await dir.listScripts('en')).map(s => [s.name, s.enabled]), [['10.shipped', true], ['01.local', false]])
  await dir.setScriptEnabled('en', '10.shipped', false)
  t.notOk(existsSync(join(tree.eventsDir, 'en', '10.shipped.script')))
  t.equal(statSync(shipped).mode & 0o111, 0o111, 'the shipped file itself is never chmod-ed')
})

t.test('enable and disable refuse bad names and unknown scripts', async t => {
  const dir = openScriptDirectory({ eventsDir: tree.eventsDir, dataDir: tree.dataDir })
  await t.rejects(dir.setScriptEnabled('en', 'README', true), { code: 'CORRAL_E_SCRIPT_INVALID', message: 'Script README is invalid in en' })
  await t.rejects(dir.setScriptEnabled('en', '99.missing', true), { code: 'CORRAL_E_SCRIPT_NOT_FOUND', message: 'Script 99.missing does not exist in en' })
  await t.rejects(dir.setScriptEnabled('nope', '01.x', true), { code: 'CORRAL_E_COMPONENT_NOT_FOUND', message: 'Event dir for nope does not exist' })
  const off = await dir.setScriptEnabled('en', '99.missing', false)
  t.equal(off.enabled, false, 'disabling a missing script succeeds, as CTDB')
})
