import t from 'tap'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startServer, type Server } from '../../services/fixtures/servers.js'
import { pluginRunner } from './fixtures/run.js'
import { makeStubs } from './fixtures/stubs.js'

// The Samba plugin against real processes named smbd and winbindd (node under those names, serving
// TCP on ports 4442 and 4443 instead of 445 and 139), with a stub smbcontrol first on PATH.
const dir = mkdtempSync(join(tmpdir(), 'corral-svc-samba-'))
const stubs = makeStubs(dir)
const run = pluginRunner('samba')
const servers: Server[] = []
t.teardown(async () => {
  for (const s of servers) await s.kill()
  await run.close()
  rmSync(dir, { recursive: true, force: true })
})
const opts = { ...stubs.env, PORTS: '4442,4443', SMBD: 'smbd', WINBINDD: 'winbindd' }

t.test('monitor is OK while smbd runs and both ports accept connections', async t => {
  servers.push(await startServer('127.0.0.1', 4442, { name: 'smbd', dir }))
  servers.push(await startServer('127.0.0.1', 4443, { name: 'smbd', dir }))
  const r = await run('monitor', opts)
  t.equal(r.state, 'OK', r.reason)
})

t.test('with WINBIND=yes a missing winbindd fails the monitor; a running one passes', async t => {
  t.match(await run('monitor', { ...opts, WINBIND: 'yes' }), { state: 'ERROR', reason: 'winbindd is not running (no process winbindd)' })
  servers.push(await startServer('127.0.0.1', 4444, { name: 'winbindd', dir }))
  t.equal((await run('monitor', { ...opts, WINBIND: 'yes' })).state, 'OK')
})

t.test('one port down fails the monitor, naming the port; smbd gone fails it naming smbd', async t => {
  await servers[1].kill()
  t.match(await run('monitor', opts), { state: 'ERROR', reason: 'smbd: 127.0.0.1:4443 does not accept connections (ECONNREFUSED)' })
  await servers[0].kill()
  t.match(await run('monitor', opts), { state: 'ERROR', reason: 'smbd is not running (no process smbd)' })
})

t.test('startup starts winbindd then smbd and waits for the ports', async t => {
  stubs.write('start-smbd', `exec ${join(dir, 'smbd')} ${new URL('../../services/fixtures/tcp-server.mjs', import.meta.url).pathname} 127.0.0.1 4442 ${join(dir, 'smbd.pid')} >/dev/null 2>&1 &`)
  stubs.write('start-winbind', 'exit 0')
  const r = await run('startup', { ...opts, PORTS: '4442', WINBIND: 'yes', START: 'start-smbd', WINBIND_START: 'start-winbind', READY_TIMEOUT: '10' })
  t.equal(r.state, 'OK', r.reason)
  t.match(stubs.calls(), ['start-winbind', 'start-smbd'])
  t.equal((await run('monitor', { ...opts, PORTS: '4442' })).state, 'OK')
  stubs.write('stop-smbd', `kill $(cat ${join(dir, 'smbd.pid')})`)
  t.equal((await run('shutdown', { ...opts, STOP: 'stop-smbd' })).state, 'OK')
})

t.test('ipreallocated sends smbcontrol smbd reload-config after an address moved, with RELOAD=yes', async t => {
  stubs.write('smbcontrol', 'exit 0')
  const o = { ...opts, RELOAD: 'yes' }
  t.equal((await run('takeip', o, { args: ['eth0', '192.0.2.10', '24'] })).state, 'OK')
  t.equal((await run('ipreallocated', o)).state, 'OK')
  t.equal(stubs.calls().at(-1), 'smbcontrol smbd reload-config')
  t.equal((await run('takeip', o, { args: ['eth0', '192.0.2.11', '24'] })).state, 'OK')
  const r = await run('ipreallocated', { ...o, SMBCONTROL: 'no-such-smbcontrol' })
  t.equal(r.state, 'OK', 'no smbcontrol: skipped, not failed')
  t.match(r.output, /no-such-smbcontrol not found: smbd configuration not reloaded/)
})

t.test('a bad PORTS value is an error naming the option', async t => {
  t.match(await run('monitor', { ...opts, PORTS: '445,http' }), { state: 'ERROR', reason: 'option PORTS must be a TCP port 1-65535, got \'http\'' })
})
