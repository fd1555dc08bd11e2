import t from 'tap'
import { execFileSync, spawnSync } from 'node:child_process'
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

// The interface plugin against a real interface: a veth pair inside a network namespace this test
// creates (and always deletes), the plugin host running inside it.
const NS = `corral-if-${process.pid}`
const root = process.getuid?.() === 0 && spawnSync('ip', ['netns', 'list']).status === 0
if (!root) t.plan(0, 'needs root and ip netns')
const dir = mkdtempSync(join(tmpdir(), 'corral-if-'))
const cleanup = (): void => { spawnSync('ip', ['netns', 'del', NS]); rmSync(dir, { recursive: true, force: true }) }
t.teardown(cleanup)
process.once('exit', cleanup)

const ip = (...a: string[]): string => execFileSync('ip', ['-n', NS, ...a], { encoding: 'utf8' })
const addrsOn = (dev: string): string[] => (JSON.parse(ip('-j', 'addr', 'show', 'dev', dev)) as Array<{ addr_info: Array<{ local: string }> }>)[0].addr_info.map(a => a.local)
const steps = (list: object[]): Array<{ event: string, state: string, reason: string, output: string }> => {
  const fixture = new URL('./fixtures/interface-steps.ts', import.meta.url).pathname
  const r = spawnSync('ip', ['netns', 'exec', NS, process.execPath, '--import', 'tsx', fixture, JSON.stringify(list)], { encoding: 'utf8', timeout: 60_000 })
  if (r.status !== 0) throw new Error(`fixture failed: ${r.stderr}`)
  return r.stdout.trim().split('\n').map(l => JSON.parse(l))
}
// An arping stand-in that logs each call, so the test sees every announcement.
const arpLog = join(dir, 'arping.log')
const arping = join(dir, 'arping')
writeFileSync(arping, `#!/bin/sh\necho "$(date +%s%3N) $*" >> ${arpLog}\n`)
chmodSync(arping, 0o755)

t.before(() => {
  if (!root) return
  execFileSync('ip', ['netns', 'add', NS])
  ip('link', 'set', 'lo', 'up')
  ip('link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'eth0p')
  ip('link', 'set', 'eth0', 'up')
  ip('link', 'set', 'eth0p', 'up')
  ip('link', 'add', 'eth1', 'type', 'veth', 'peer', 'name', 'eth1p')
  ip('link', 'set', 'eth1', 'up')
  ip('link', 'set', 'eth1p', 'up')
})

t.test('takeip puts the address on the interface and announces it three times, 1.1 s apart', async t => {
  const r = steps([{ event: 'takeip', args: ['eth0', '198.51.100.9', '24'], options: { ARPING: arping } }, { event: 'monitor', args: [], waitMs: 2600 }])
  t.equal(r[0].state, 'OK', r[0].reason)
  t.ok(addrsOn('eth0').includes('198.51.100.9'), 'on eth0')
  const sends = readFileSync(arpLog, 'utf8').trim().split('\n')
  t.equal(sends.length, 3, 'three gratuitous ARPs')
  t.match(sends[0], / -q -U -c 1 -I eth0 198\.51\.100\.9$/)
  const at = sends.map(l => Number(l.split(' ')[0]))
  t.ok(at[2] - at[0] >= 2000 && at[2] - at[0] < 3500, `spread over ${at[2] - at[0]} ms`)
})

t.test('a second takeip of a present address is OK (nothing to do)', async t => {
  const r = steps([{ event: 'takeip', args: ['eth0', '198.51.100.9', '24'], options: { ARPING: '/bin/true' } }])[0]
  t.equal(r.state, 'OK', `${r.reason} ${r.output}`)
})

t.test('updateip moves the address between interfaces', async t => {
  const r = steps([{ event: 'updateip', args: ['eth0', 'eth1', '198.51.100.9', '24'], options: { ARPING: '/bin/true' } }])
  t.equal(r[0].state, 'OK', r[0].reason)
  t.notOk(addrsOn('eth0').includes('198.51.100.9'), 'off eth0')
  t.ok(addrsOn('eth1').includes('198.51.100.9'), 'on eth1')
})

t.test('releaseip takes it off, and a release of an absent address is OK', async t => {
  const r = steps([{ event: 'releaseip', args: ['eth1', '198.51.100.9', '24'] }, { event: 'releaseip', args: ['eth1', '198.51.100.9', '24'] }])
  t.same(r.map(x => x.state), ['OK', 'OK'])
  t.notOk(addrsOn('eth1').includes('198.51.100.9'))
})

t.test('a release right after a take cancels the remaining announcements', async t => {
  rmSync(arpLog, { force: true })
  steps([{ event: 'takeip', args: ['eth0', '198.51.100.10', '24'], options: { ARPING: arping } }, { event: 'releaseip', args: ['eth0', '198.51.100.10', '24'], waitMs: 200 }, { event: 'monitor', args: [], waitMs: 2500 }])
  t.equal(readFileSync(arpLog, 'utf8').trim().split('\n').length, 1, 'only the first ARP went out')
})

t.test('IPv6 addresses are added without duplicate address detection and removed', async t => {
  const r = steps([{ event: 'takeip', args: ['eth0', '2001:db8::9', '64'] }])
  t.equal(r[0].state, 'OK', r[0].reason)
  t.ok(addrsOn('eth0').includes('2001:db8::9'))
  steps([{ event: 'releaseip', args: ['eth0', '2001:db8::9', '64'] }])
  t.notOk(addrsOn('eth0').includes('2001:db8::9'))
})

t.test('a missing interface fails takeip with a clear reason', async t => {
  t.match(steps([{ event: 'takeip', args: ['eth7', '198.51.100.11', '24'] }])[0], { state: 'ERROR', reason: /interface eth7 does not exist/ })
})

t.test('the monitor fails when a listed link is down, or is DEGRADED with PARTIALLY_ONLINE', async t => {
  ip('link', 'set', 'eth1p', 'down')
  const r = steps([
    { event: 'monitor', args: [], options: { INTERFACES: 'eth0' } },
    { event: 'monitor', args: [], options: { INTERFACES: 'eth0,eth1' } },
    { event: 'monitor', args: [], options: { INTERFACES: 'eth0,eth1', PARTIALLY_ONLINE: 'yes' } },
  ])
  t.equal(r[0].state, 'OK')
  t.match(r[1], { state: 'ERROR', reason: /eth1 down/ })
  t.match(r[2], { state: 'DEGRADED', reason: /eth1 down; others up/ })
  ip('link', 'set', 'eth1p', 'up')
})
