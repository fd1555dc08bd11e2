import t from 'tap'
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { corral } from './fixtures/daemon.js'
import { initConfigDir, parseNodesOption, starterConfig, INIT_KEY_BYTES } from '../../engine/cli/init.js'
import { loadConfig, parseConfigText, SCHEMA, defaults as D } from '../../engine/config/index.js'
import { parseNodes } from '../../engine/cluster/index.js'
import { validateLockConfig } from '../../engine/cluster/lock/index.js'
import { readClusterKey } from '../../engine/cluster/node/auth.js'
import { parsePublicAddresses } from '../../engine/ip/index.js'
import { isCorralError } from '../../engine/errors/index.js'

const root = mkdtempSync(join(tmpdir(), 'corral-init-'))
t.teardown(() => rmSync(root, { recursive: true, force: true }))
let n = 0
const freshDir = (): string => join(root, `etc${n++}`)
const mode = (p: string): number => statSync(p).mode & 0o777

t.test('corral init writes a config dir that the daemon\'s loaders accept', async t => {
  const dir = freshDir()
  const r = corral(['init', '--config-dir', dir, '--nodes', '10.0.0.1, 10.0.0.2,fd00::3'])
  t.equal(r.code, 0, r.stderr)
  t.match(r.stdout, `Wrote a starter config in ${dir}`)
  t.match(r.stdout, /nodes +3 node\(s\): 10\.0\.0\.1, 10\.0\.0\.2, fd00::3/)

  const c = loadConfig({ configDir: dir, env: {} })
  t.equal(c.file, join(dir, 'corral.conf'), 'the written corral.conf is the one read')
  t.equal(c.cluster.port, D.DEFAULT_NODE_PORT)
  t.equal(c.cluster.lock, null, 'no cluster lock until the admin chooses one')
  t.equal(c.cluster.nodesFile, join(dir, 'nodes'))
  t.equal(c.cluster.keyFile, join(dir, 'cluster.key'))
  t.equal(c.paths.eventsDir, join(dir, 'events.d'))
  t.equal(c.failover.interfaces, 'kernel')

  t.same(parseNodes(readFileSync(join(dir, 'nodes'), 'utf8'), 'nodes').map(e => [e.pnn, e.address, e.flags]),
    [[0, '10.0.0.1', 0], [1, '10.0.0.2', 0], [2, 'fd00::3', 0]])
  t.equal(readFileSync(join(dir, 'nodes'), 'utf8'), '10.0.0.1\n10.0.0.2\nfd00::3\n')
  t.same(parsePublicAddresses(readFileSync(join(dir, 'public_addresses'), 'utf8'), 'public_addresses'), [], 'comments only')

  const key = join(dir, 'cluster.key')
  t.equal(mode(key), 0o600)
  t.equal(readClusterKey(key).length, INIT_KEY_BYTES, 'the daemon accepts the key')
  for (const f of ['corral.conf', 'nodes', 'public_addresses']) t.equal(mode(join(dir, f)) & 0o600, 0o600, `${f} is readable and writable by its owner`)
  t.ok(statSync(join(dir, 'events.d', 'legacy')).isDirectory())
})

t.test('without --nodes the nodes file is empty: a # line there would be a deleted node', async t => {
  const dir = freshDir()
  const r = corral(['--config-dir', dir, 'init'])
  t.equal(r.code, 0, r.stderr)
  t.equal(readFileSync(join(dir, 'nodes'), 'utf8'), '')
  t.same(parseNodes(readFileSync(join(dir, 'nodes'), 'utf8')), [])
  t.match(r.stdout, /nodes +empty: one address per line/)
})

t.test('CORRAL_CONFIG_DIR is the config dir when no --config-dir is given', async t => {
  const dir = freshDir()
  const r = corral(['--json', 'init'], { env: { CORRAL_CONFIG_DIR: dir } })
  t.equal(r.code, 0, r.stderr)
  const j = JSON.parse(r.stdout) as { configDir: string, files: Array<{ name: string, mode: string, overwritten: boolean }>, dirs: string[], nodes: string[] }
  t.equal(j.configDir, dir)
  t.same(j.files.map(f => [f.name, f.mode, f.overwritten]), [
    ['corral.conf', '0644', false], ['nodes', '0644', false], ['public_addresses', '0644', false], ['cluster.key', '0600', false],
  ])
  t.same(j.dirs, [join(dir, 'events.d'), join(dir, 'events.d', 'legacy')])
  t.same(j.nodes, [])
})

t.test('an existing file is never overwritten without --force, and nothing else is written', async t => {
  const dir = freshDir()
  mkdirSync(dir)
  writeFileSync(join(dir, 'nodes'), '192.0.2.1\n')
  const r = corral(['init', '--config-dir', dir, '--nodes', '10.0.0.1'])
  t.equal(r.code, 64, 'CORRAL_E_USAGE')
  t.equal(r.stderr, `corral: ${join(dir, 'nodes')} already exists; nothing was written (--force overwrites)\n`)
  t.equal(readFileSync(join(dir, 'nodes'), 'utf8'), '192.0.2.1\n', 'the existing file is untouched')
  for (const f of ['corral.conf', 'public_addresses', 'cluster.key', 'events.d']) t.notOk(existsSync(join(dir, f)), `${f} not written`)

  const j = corral(['--json', 'init', '--config-dir', dir])
  t.equal(j.code, 64)
  t.equal((JSON.parse(j.stdout) as { error: { code: string } }).error.code, 'CORRAL_E_USAGE')

  let err: unknown
  try { initConfigDir({ configDir: dir, nodes: [], force: false }) } catch (e) { err = e }
  t.ok(isCorralError(err) && err.code === 'CORRAL_E_USAGE' && err.message.includes(join(dir, 'nodes')), 'initConfigDir throws CORRAL_E_USAGE naming the file')
})

t.test('--force replaces every file, and the new key is 0600 even over a looser old one', async t => {
  const dir = freshDir()
  t.equal(corral(['init', '--config-dir', dir]).code, 0)
  const key = join(dir, 'cluster.key')
  const oldKey = readFileSync(key)
  chmodSync(key, 0o644)
  writeFileSync(join(dir, 'corral.conf'), '[cluster]\nport = 1\n')
  const again = corral(['init', '--config-dir', dir])
  t.equal(again.code, 64)
  t.match(again.stderr, `${join(dir, 'corral.conf')}, ${join(dir, 'nodes')}, ${join(dir, 'public_addresses')}, ${key} already exist`, 'every existing file is named')

  const r = corral(['init', '--config-dir', dir, '--nodes', '10.0.0.9', '--force'])
  t.equal(r.code, 0, r.stderr)
  t.match(r.stdout, /corral\.conf .*\(overwritten\)/)
  t.equal(mode(key), 0o600)
  t.not(readFileSync(key).toString('hex'), oldKey.toString('hex'), 'a new key')
  t.equal(loadConfig({ configDir: dir, env: {} }).cluster.port, D.DEFAULT_NODE_PORT)
  t.equal(readFileSync(join(dir, 'nodes'), 'utf8'), '10.0.0.9\n')
  t.ok(statSync(join(dir, 'events.d', 'legacy')).isDirectory(), 'an existing events dir is kept')
})

t.test('--nodes is checked with the nodes file\'s rules before anything is written', async t => {
  const cases: Array<[string, RegExp]> = [
    ['10.0.0.1:4380', /the nodes file takes no port/],
    ['10.0.0.1,,10.0.0.2', /an empty address/],
    ['10.0.0.1,10.0.0.1', /Duplicate node address 10\.0\.0\.1/],
    ['node1', /Invalid node address node1/],
    ['#10.0.0.1', /'#10\.0\.0\.1' is not an address/],
    ['0.0.0.0', /unspecified address/],
  ]
  for (const [value, message] of cases) {
    const dir = freshDir()
    const r = corral(['init', '--config-dir', dir, '--nodes', value])
    t.equal(r.code, 64, value)
    t.match(r.stderr, message, value)
    t.notOk(existsSync(dir), `${value}: nothing created`)
  }
  t.same(parseNodesOption(undefined), [])
  t.same(parseNodesOption(' 10.0.0.1 ,10.0.0.2'), ['10.0.0.1', '10.0.0.2'])
})

t.test('a config dir that is a file is refused', async t => {
  const file = join(root, 'plain-file')
  writeFileSync(file, '')
  const r = corral(['init', '--config-dir', file])
  t.equal(r.code, 64)
  t.match(r.stderr, 'exists and is not a directory')
})

// The starter corral.conf shows keys as `# key = value`; these keep it in step with the schema.
function shownKeys (text: string): Array<{ section: string, key: string, value: string }> {
  const out: Array<{ section: string, key: string, value: string }> = []
  let section = ''
  for (const line of text.split('\n')) {
    const h = /^\[(.+)\]$/.exec(line)
    if (h !== null) section = h[1]
    const m = /^# ([a-z][a-z0-9 /._-]*?) = (.+)$/.exec(line)
    if (m !== null) out.push({ section, key: m[1], value: m[2] })
  }
  return out
}

t.test('every key the starter config shows is a schema key, at the schema\'s default', async t => {
  const text = starterConfig({ configDir: '/etc/corral', version: '0.0.0' })
  const shown = shownKeys(text)
  for (const s of shown) {
    if (s.section === 'script timeouts') continue
    const spec = SCHEMA.find(k => k.section === s.section && k.key === s.key)
    t.ok(spec, `[${s.section}] ${s.key} is a schema key`)
    if (spec?.default != null) t.equal(s.value, spec.default, `[${s.section}] ${s.key} shows its default`)
  }
  // Uncomment the first example of each key: the result must load (types, ranges, known keys).
  const seen = new Set<string>()
  const uncommented = text.split('\n').map(line => {
    const m = /^# ([a-z][a-z0-9 /._-]*?) = (.+)$/.exec(line)
    if (m === null) return line
    if (seen.has(m[1])) return line
    seen.add(m[1])
    return line.slice(2)
  }).join('\n')
  const c = parseConfigText(uncommented, 'corral.conf', '/etc/corral')
  t.equal(c.cluster.lock, '/clusterfs/.corral/lock')
  t.same(c.event.scriptTimeoutsS, { 'legacy/10.interface': 5 })

  const locks = shown.filter(s => s.key === 'cluster lock').map(s => s.value)
  t.equal(locks.length, 3, 'file, etcd and helper forms')
  t.match(locks, [/^\//, /^etcd:\/\//, /^!/])
  for (const l of locks) t.doesNotThrow(() => { validateLockConfig(l) }, l)

  // A new schema key must be added to the starter config, or listed here on purpose.
  const omitted = new Set(['cluster/events only', ...SCHEMA.filter(k => k.section === 'event' && k.key.endsWith(' timeout') && k.key !== 'monitor timeout').map(k => `event/${k.key}`)])
  for (const k of SCHEMA) {
    const id = `${k.section}/${k.key}`
    if (!omitted.has(id)) t.ok(shown.some(s => s.section === k.section && s.key === k.key), `${id} is shown`)
  }
  t.ok(text.split('\n').every(l => l === '' || l.startsWith('#') || l.startsWith('[')), 'nothing is set: every default applies')
})

t.test('the nodes file stays free of comments however --nodes is written', async t => {
  const dir = freshDir()
  initConfigDir({ configDir: dir, nodes: ['10.1.0.1', '10.1.0.2'], force: false })
  t.notMatch(readFileSync(join(dir, 'nodes'), 'utf8'), /#/)
})
