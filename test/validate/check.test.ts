import t from 'tap'
import { spawnSync } from 'node:child_process'
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { checkNodeFiles } from '../../engine/validate/index.js'
import { packageRoot } from '../../engine/config/package-root.js'
import { check } from '../docs/mini-schema.js'

const root = mkdtempSync(join(tmpdir(), 'corral-validate-'))
t.teardown(() => { rmSync(root, { recursive: true, force: true }) })

// A config dir whose every file has problems, on known lines.
function badDir (): string {
  const dir = join(root, 'bad')
  mkdirSync(join(dir, 'events.d', 'legacy'), { recursive: true })
  writeFileSync(join(dir, 'corral.conf'), [
    '[cluster]', // 1
    'port = 99999', // 2: out of range
    'node address = 192.0.2.99', // 3: not in the nodes file
    'no equals sign here', // 4: syntax
    '[event]', // 5
    'timeout = soon', // 6: not a number
    'timeout = 5', // 7: repeated
    '[bogus]', // 8
    'x = 1', // 9: unknown section
    '',
  ].join('\n'))
  writeFileSync(join(dir, 'nodes'), '192.0.2.1\n192.0.2.1:4379\n192.0.2.1\n192.0.2.2\n')
  writeFileSync(join(dir, 'public_addresses'), '198.51.100.1/24 eth0\n198.51.100.2 eth0\n198.51.100.3/24\n')
  writeFileSync(join(dir, 'corral.tunables'), 'MonitorInterval=abc\nNoSuchTunable=1\n')
  writeFileSync(join(dir, 'cluster.key'), Buffer.alloc(32, 7), { mode: 0o600 })
  writeFileSync(join(dir, 'script.options'), 'GOOD=1\nbad line\n')
  writeFileSync(join(dir, 'events.d', 'legacy', '10.test.options'), 'A="unterminated\n')
  return dir
}

t.test('every problem of every file is reported, each with file and line', async t => {
  const dir = badDir()
  const r = checkNodeFiles({ configDir: dir })
  const where = r.problems.map(p => `${p.file?.slice(dir.length + 1) ?? ''}:${p.line ?? ''}`)
  t.same(where.sort(), [
    'corral.conf:2', 'corral.conf:3', 'corral.conf:4', 'corral.conf:6', 'corral.conf:7', 'corral.conf:9',
    'corral.tunables:1', 'corral.tunables:2',
    'events.d/legacy/10.test.options:1',
    'nodes:2', 'nodes:3',
    'public_addresses:2', 'public_addresses:3',
    'script.options:2',
  ].sort())
  t.match(r.problems.find(p => p.line === 2 && p.file?.endsWith('nodes') === true)?.message, /takes no port/)
  t.match(r.problems.find(p => p.line === 3 && p.file?.endsWith('nodes') === true)?.message, /Duplicate node address.*line 1/)
  t.match(r.problems.find(p => p.line === 3 && p.file?.endsWith('corral.conf') === true)?.message, /192\.0\.2\.99 is not an address of the nodes file/)
  // A bad line still takes its PNN, so the last node keeps number 3.
  t.equal(r.nodes.find(n => n.address === '192.0.2.2')?.pnn, 3)
})

t.test('a clean config dir has no problems and lists the files it read', async t => {
  const dir = join(root, 'good')
  mkdirSync(dir, { recursive: true })
  writeFileSync(join(dir, 'corral.conf'), '[cluster]\nnode address = 192.0.2.1\n')
  writeFileSync(join(dir, 'nodes'), '192.0.2.1\n192.0.2.2\n')
  writeFileSync(join(dir, 'cluster.key'), Buffer.alloc(32, 1), { mode: 0o600 })
  const r = checkNodeFiles({ configDir: dir })
  t.same(r.problems, [])
  t.same(r.checked.map(f => f.slice(dir.length + 1)), ['corral.conf', 'nodes'])
})

t.test('missing or unusable scripts and key are problems naming the key', async t => {
  const dir = join(root, 'scripts')
  mkdirSync(dir, { recursive: true })
  writeFileSync(join(dir, 'corral.conf'), '[event]\nnotification script = notify.sh\n[failover]\nstatus callback = /nonexistent/cb\n')
  writeFileSync(join(dir, 'notify.sh'), '#!/bin/sh\n')
  chmodSync(join(dir, 'notify.sh'), 0o644)
  writeFileSync(join(dir, 'nodes'), '192.0.2.1\n')
  const r = checkNodeFiles({ configDir: dir })
  const msgs = r.problems.map(p => p.message)
  t.ok(msgs.some(m => /corral\.conf:2 \(\[event\] notification script\): .*notify\.sh is missing or not executable/.test(m)), msgs.join('\n'))
  t.ok(msgs.some(m => /corral\.conf:4 \(\[failover\] status callback\)/.test(m)))
  t.ok(r.problems.some(p => p.code === 'CORRAL_E_AUTH'), 'no cluster key')
})

t.test('corral config validate prints every problem and exits 78; --json matches its schema', async t => {
  const dir = badDir()
  const cli = join(packageRoot(), 'dist', 'cli', 'corral.js')
  const text = spawnSync(process.execPath, [cli, '--config-dir', dir, 'config', 'validate'], { encoding: 'utf8', timeout: 20_000 })
  t.equal(text.status, 78)
  t.equal(text.stdout.split('\n').filter(l => l.startsWith(dir)).length, 14, 'one line per problem')
  t.match(text.stdout, /14 problem\(s\) in 6 file\(s\)/)
  const json = spawnSync(process.execPath, [cli, '--config-dir', dir, '--json', 'config', 'validate'], { encoding: 'utf8', timeout: 20_000 })
  t.equal(json.status, 78)
  const doc = JSON.parse(json.stdout) as { ok: boolean, problems: unknown[] }
  t.equal(doc.ok, false)
  t.equal(doc.problems.length, 14)
  const { readFileSync } = await import('node:fs')
  t.same(check(JSON.parse(readFileSync(join(packageRoot(), 'docs', 'schemas', 'config-validate.json'), 'utf8')) as Record<string, unknown>, doc), [])
})
