import t from 'tap'
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { canonicalIp, kernelBackend, recordedBackend } from '../../engine/ip/index.js'
import { CorralError } from '../../engine/errors/index.js'

const dir = mkdtempSync(join(tmpdir(), 'corral-kernel-'))
t.teardown(() => { rmSync(dir, { recursive: true, force: true }) })

t.test('canonicalIp gives one spelling per IPv6 address and leaves IPv4 alone', async t => {
  t.equal(canonicalIp('fd00::0001'), 'fd00::1')
  t.equal(canonicalIp('FD00:0:0:0:0:0:0:1'), 'fd00::1')
  t.equal(canonicalIp('fe80:0000:0000:0000:0211:22ff:fe33:4455'), 'fe80::211:22ff:fe33:4455')
  t.equal(canonicalIp('2001:db8:0:0:1:0:0:1'), '2001:db8::1:0:0:1', 'the first longest zero run is compressed')
  t.equal(canonicalIp('::1'), '::1')
  t.equal(canonicalIp('192.0.2.10'), '192.0.2.10')
  t.equal(canonicalIp(canonicalIp('fd00::0001')), 'fd00::1', 'idempotent')
})

t.test('a recorded backend starts empty and reports link state for no interface', async t => {
  const b = recordedBackend(join(dir, 'empty.json'))
  t.equal(b.kind, 'recorded')
  t.same([...await b.present()], [])
  t.same([...await b.links()], [])
  t.notOk(existsSync(join(dir, 'empty.json')), 'nothing written before the first take')
})

t.test('recorded takes and releases persist: a new backend on the same file sees them', async t => {
  const file = join(dir, 'persist.json')
  const a = recordedBackend(file)
  a.recordTake('192.0.2.10', 'eth1')
  a.recordTake('fd00::0001', 'eth2')
  a.recordTake('192.0.2.11', 'eth1')
  a.recordRelease('192.0.2.11')
  t.same([...await a.present()], [['192.0.2.10', 'eth1'], ['fd00::1', 'eth2']], 'IPv6 recorded in canonical form')
  const b = recordedBackend(file)
  t.same([...await b.present()], [['192.0.2.10', 'eth1'], ['fd00::1', 'eth2']])
  b.recordRelease('FD00::1')
  t.same([...await recordedBackend(file).present()], [['192.0.2.10', 'eth1']], 'a release under another spelling still releases')
  t.notOk(existsSync(`${file}.tmp`), 'no temporary file left behind')
})

t.test('present() returns a copy: changing it does not change the record', async t => {
  const b = recordedBackend(join(dir, 'copy.json'))
  b.recordTake('192.0.2.10', 'eth1')
  const p = await b.present()
  p.delete('192.0.2.10')
  t.same([...await b.present()], [['192.0.2.10', 'eth1']])
})

t.test('a corrupt recorded-addresses file is a CorralError that names the file', async t => {
  const file = join(dir, 'corrupt.json')
  writeFileSync(file, '{"192.0.2.10": "eth1"')
  let err: unknown
  try { recordedBackend(file) } catch (e) { err = e }
  t.ok(err instanceof CorralError, 'a CorralError, not a SyntaxError')
  t.equal((err as CorralError).code, 'CORRAL_E_INTERNAL')
  t.same((err as CorralError).place, { file })
  t.match((err as CorralError).message, file)
  t.match((err as CorralError).message, /not a recorded-addresses file .*remove it to start empty/)
  t.equal(readFileSync(file, 'utf8'), '{"192.0.2.10": "eth1"', 'the file is left as it was')
})

t.test('the corrupt-file message names the file once', async t => {
  const file = join(dir, 'corrupt2.json')
  writeFileSync(file, 'garbage')
  let msg = ''
  try { recordedBackend(file) } catch (e) { msg = (e as Error).message }
  t.equal(msg.split(file).length - 1, 1, `message: ${msg}`)
})

const hasIp = spawnSync('ip', ['-V']).status === 0
t.test('kernelBackend().present() sees the loopback address 127.0.0.1 on lo', { skip: hasIp ? false : 'no `ip` command on this host' }, async t => {
  const k = kernelBackend()
  t.equal(k.kind, 'kernel')
  const present = await k.present()
  t.equal(present.get('127.0.0.1'), 'lo')
  const links = await k.links()
  t.type(links.get('lo'), 'boolean', 'lo has a link state')
  k.recordTake('203.0.113.99', 'lo')
  t.notOk((await k.present()).has('203.0.113.99'), 'recordTake is ignored in kernel mode')
})
