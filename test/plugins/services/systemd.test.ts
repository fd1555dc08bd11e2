import t from 'tap'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pluginRunner } from './fixtures/run.js'
import { makeStubs } from './fixtures/stubs.js'

// The systemd plugin against a stub systemctl (first on PATH) that keeps the unit's state in a
// file: `start` goes through "activating" for 300 ms, as a real unit does.
const dir = mkdtempSync(join(tmpdir(), 'corral-svc-systemd-'))
const state = join(dir, 'state')
const stubs = makeStubs(dir)
stubs.write('systemctl', `
case "$1" in
  start) echo activating > ${state}; (sleep 0.3; echo active > ${state}) & ;;
  stop) echo inactive > ${state} ;;
  is-active) s=$(cat ${state} 2>/dev/null || echo inactive); echo "$s"; [ "$s" = active ] ;;
  reload-or-restart|restart) ;;
  *) echo "unknown verb $1" >&2; exit 1 ;;
esac`)
const run = pluginRunner('systemd')
t.teardown(async () => { await run.close(); rmSync(dir, { recursive: true, force: true }) })
const opts = { ...stubs.env, UNIT: 'smb.service' }

t.test('startup starts the unit and waits until it is active', async t => {
  const r = await run('startup', { ...opts, READY_TIMEOUT: '5' })
  t.equal(r.state, 'OK', r.reason)
  t.ok(r.durationMs >= 250, `waited for activating -> active (${r.durationMs} ms)`)
  t.match(stubs.calls(), ['systemctl start smb.service', 'systemctl is-active smb.service'])
})

t.test('monitor: active is OK, activating is DEGRADED, failed and inactive FAIL with the state', async t => {
  t.equal((await run('monitor', opts)).state, 'OK')
  writeFileSync(state, 'activating\n')
  t.match(await run('monitor', opts), { state: 'DEGRADED', reason: 'smb.service is activating' })
  writeFileSync(state, 'failed\n')
  t.match(await run('monitor', opts), { state: 'ERROR', reason: 'smb.service is failed' })
  writeFileSync(state, 'inactive\n')
  t.match(await run('monitor', opts), { state: 'ERROR', reason: 'smb.service is inactive' })
})

t.test('startup fails with the reason when the unit ends up failed or never active', async t => {
  stubs.write('systemctl', `case "$1" in start) echo failed > ${state} ;; is-active) cat ${state}; exit 3 ;; esac`)
  const r = await run('startup', { ...opts, READY_TIMEOUT: '1' })
  t.match(r, { state: 'ERROR', reason: 'not ready after 1.0 s: smb.service failed' })
  stubs.write('systemctl', 'case "$1" in start) echo "Job for smb.service failed." >&2; exit 1 ;; esac')
  t.match(await run('startup', opts), { state: 'ERROR', reason: 'command failed with exit code 1: Job for smb.service failed.' })
})

t.test('shutdown stops the unit', async t => {
  stubs.write('systemctl', `case "$1" in stop) echo inactive > ${state} ;; is-active) cat ${state}; exit 3 ;; esac`)
  t.equal((await run('shutdown', opts)).state, 'OK')
  t.equal(stubs.calls().at(-1), 'systemctl stop smb.service')
})

t.test('after takeip, ipreallocated reloads the unit once when RECONFIGURE=reload', async t => {
  stubs.write('systemctl', 'exit 0')
  const args = ['eth0', '192.0.2.10', '24']
  t.equal((await run('takeip', { ...opts, RECONFIGURE: 'reload' }, { args })).state, 'OK')
  t.equal((await run('ipreallocated', { ...opts, RECONFIGURE: 'reload' })).state, 'OK')
  t.equal(stubs.calls().at(-1), 'systemctl reload-or-restart smb.service')
  const n = stubs.calls().length
  t.equal((await run('ipreallocated', { ...opts, RECONFIGURE: 'reload' })).state, 'OK')
  t.equal(stubs.calls().length, n, 'nothing moved since: no second reload')
  t.match(await run('ipreallocated', { ...opts, RECONFIGURE: 'sometimes' }), { state: 'ERROR', reason: 'option RECONFIGURE must be none, reload or restart, got \'sometimes\'' })
})

t.test('a missing UNIT is an error naming the option', async t => {
  t.match(await run('monitor', stubs.env), { state: 'ERROR', reason: 'option UNIT is required (set it in the entry\'s .options file)' })
})
