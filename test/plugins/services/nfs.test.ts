import t from 'tap'
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pluginRunner } from './fixtures/run.js'
import { makeStubs } from './fixtures/stubs.js'

// The NFS plugin against stub rpcinfo and exportfs (first on PATH) printing what the real ones print.
const dir = mkdtempSync(join(tmpdir(), 'corral-svc-nfs-'))
const share = join(dir, 'share')
mkdirSync(share)
const stubs = makeStubs(dir)
const RPCINFO = `   program vers proto   port  service
    100000    4   tcp    111  portmapper
    100000    2   udp    111  portmapper
    100024    1   udp  45027  status
    100005    3   tcp  20048  mountd
    100003    3   tcp   2049  nfs
    100021    4   tcp  41455  nlockmgr`
const all = (): void => {
  stubs.write('rpcinfo', `cat <<'X'\n${RPCINFO}\nX`)
  stubs.write('exportfs', `echo "${share}    192.0.2.0/24"\necho "${dir}/a-very-long-path-name-that-wraps"\necho "		<world>"`)
}
const run = pluginRunner('nfs')
t.teardown(async () => { await run.close(); rmSync(dir, { recursive: true, force: true }) })

t.test('monitor is OK when every RPC service is registered and every export exists', async t => {
  all()
  mkdirSync(join(dir, 'a-very-long-path-name-that-wraps'))
  const r = await run('monitor', stubs.env)
  t.equal(r.state, 'OK', r.reason)
  t.match(stubs.calls(), ['rpcinfo -p 127.0.0.1', 'exportfs'])
})

t.test('a missing RPC service fails the monitor, naming it', async t => {
  stubs.write('rpcinfo', `cat <<'X'\n${RPCINFO.split('\n').filter(l => !l.includes('nlockmgr') && !l.includes('status')).join('\n')}\nX`)
  t.match(await run('monitor', stubs.env), { state: 'ERROR', reason: 'RPC services not registered: nlockmgr, status' })
  stubs.write('rpcinfo', 'echo "rpcinfo: can\'t contact portmapper: RPC: Remote system error - Connection refused" >&2; exit 1')
  t.match(await run('monitor', stubs.env), { state: 'ERROR', reason: /^rpcinfo -p 127\.0\.0\.1 failed \(exit 1\): rpcinfo: can't contact portmapper/ })
})

t.test('an export whose directory is gone fails; SKIP_SHARE_CHECK skips that check', async t => {
  all()
  rmSync(share, { recursive: true })
  t.match(await run('monitor', stubs.env), { state: 'ERROR', reason: `exported directory ${share} does not exist` })
  t.equal((await run('monitor', { ...stubs.env, SKIP_SHARE_CHECK: 'yes' })).state, 'OK')
  t.match(await run('monitor', { ...stubs.env, SKIP_SHARE_CHECK: 'maybe' }), { state: 'ERROR', reason: 'option SKIP_SHARE_CHECK must be yes or no, got \'maybe\'' })
})

t.test('no exports at all is DEGRADED', async t => {
  stubs.write('exportfs', 'exit 0')
  t.match(await run('monitor', stubs.env), { state: 'DEGRADED', reason: 'nothing is exported (exportfs lists no directory)' })
})

t.test('startup runs START and waits until the RPC services are registered', async t => {
  const flag = join(dir, 'started')
  stubs.write('rpcinfo', `[ -e ${flag} ] || exit 1\ncat <<'X'\n${RPCINFO}\nX`)
  const r = await run('startup', { ...stubs.env, START: `(sleep 0.3; touch ${flag}) &`, READY_TIMEOUT: '5' })
  t.equal(r.state, 'OK', r.reason)
  t.ok(r.durationMs >= 250, `${r.durationMs} ms`)
  t.equal((await run('shutdown', { ...stubs.env, STOP: `rm ${flag}` })).state, 'OK')
  t.match(await run('startup', { ...stubs.env, START: 'true', READY_TIMEOUT: '0.5' }), { state: 'ERROR', reason: /^not ready after 0\.5 s: rpcinfo -p 127\.0\.0\.1 failed/ })
})

t.test('ipreallocated runs RECONFIGURE once after an address moved', async t => {
  stubs.write('statd-restart', 'exit 0')
  const o = { ...stubs.env, RECONFIGURE: 'statd-restart now' }
  t.equal((await run('releaseip', o, { args: ['eth0', '192.0.2.10', '24'] })).state, 'OK')
  t.equal((await run('ipreallocated', o)).state, 'OK')
  t.equal((await run('ipreallocated', o)).state, 'OK')
  t.equal(stubs.calls().filter(c => c.startsWith('statd-restart')).length, 1)
})
