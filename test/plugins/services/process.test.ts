import t from 'tap'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startServer, TCP_SERVER, type Server } from '../../services/fixtures/servers.js'
import { pluginRunner } from './fixtures/run.js'

// Exited: no /proc entry, or a zombie (its parent, not this test, reaps it; kill(pid, 0) still works on one).
function goneOrZombie (pid: number): boolean {
  try { return /^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8')) } catch { return true }
}

// The process + TCP port plugin against real processes: a TCP server this test starts (or the
// plugin's START command starts), killed and stopped for real. Port 4441 on 127.0.0.1.
const PORT = '4441'
const HOST = '127.0.0.1'
const dir = mkdtempSync(join(tmpdir(), 'corral-svc-process-'))
const run = pluginRunner('process')
const servers: Server[] = []
const pidFile = join(dir, 'server.pid')
const pidFromFile = (): number | null => existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8').trim()) : null
const killPidFile = (): void => { const p = pidFromFile(); if (p !== null) { try { process.kill(p, 'SIGKILL') } catch {} } rmSync(pidFile, { force: true }) }
t.teardown(async () => {
  for (const s of servers) await s.kill()
  killPidFile()
  await run.close()
  rmSync(dir, { recursive: true, force: true })
})
const base = { PORT, HOST }

t.test('monitor is OK while the named process runs and its port accepts connections', async t => {
  const s = await startServer(HOST, Number(PORT), { name: 'corral-tsrv', dir })
  servers.push(s)
  const r = await run('monitor', { ...base, PROCESS: 'corral-tsrv', MATCH: PORT })
  t.equal(r.state, 'OK', r.reason)
})

t.test('a process name that does not match (or another server\'s MATCH) fails with the name', async t => {
  const r = await run('monitor', { ...base, PROCESS: 'corral-tsrv', MATCH: 'port-9999' })
  t.equal(r.state, 'ERROR')
  t.equal(r.reason, 'no process corral-tsrv with \'port-9999\' in its command line is running')
})

t.test('killing the server makes monitor FAIL with a one-line reason', async t => {
  await servers[0].kill('SIGKILL')
  const byName = await run('monitor', { ...base, PROCESS: 'corral-tsrv' })
  t.equal(byName.state, 'ERROR')
  t.equal(byName.reason, 'no process corral-tsrv is running')
  const byPort = await run('monitor', base)
  t.equal(byPort.state, 'ERROR')
  t.equal(byPort.reason, '127.0.0.1:4441 does not accept connections (ECONNREFUSED)')
})

t.test('startup runs START, waits until the port accepts connections, and the service outlives the run', async t => {
  const start = `exec ${process.execPath} ${TCP_SERVER} ${HOST} ${PORT} ${pidFile}`
  const r = await run('startup', { ...base, START: start, READY_TIMEOUT: '10' })
  t.equal(r.state, 'OK', r.reason)
  t.match(r.output, /127\.0\.0\.1:4441 accepts connections \d+ ms after START/)
  const m = await run('monitor', { ...base, PIDFILE: pidFile })
  t.equal(m.state, 'OK', m.reason)
  const again = await run('startup', { ...base, START: 'exit 9' })
  t.equal(again.state, 'OK', 'a running service is not started twice')
  t.match(again.output, /already accepts connections; START not run/)
})

t.test('shutdown without STOP sends SIGTERM to the pid file\'s process and waits until it is gone', async t => {
  const pid = pidFromFile()!
  const r = await run('shutdown', { ...base, PIDFILE: pidFile, STOP_TIMEOUT: '10' })
  t.equal(r.state, 'OK', r.reason)
  t.ok(goneOrZombie(pid), 'the process is gone (or a zombie its parent has not reaped yet: it serves nothing)')
  const m = await run('monitor', { ...base, PIDFILE: pidFile })
  t.equal(m.state, 'ERROR')
  t.equal(m.reason, `process ${pid} from ${pidFile} is not running`)
})

t.test('shutdown runs STOP when it is set', async t => {
  rmSync(pidFile, { force: true })
  const start = `exec ${process.execPath} ${TCP_SERVER} ${HOST} ${PORT} ${pidFile}`
  t.equal((await run('startup', { ...base, START: start })).state, 'OK')
  const r = await run('shutdown', { ...base, STOP: `kill $(cat ${pidFile})`, STOP_TIMEOUT: '10' })
  t.equal(r.state, 'OK', r.reason)
  t.equal((await run('monitor', base)).state, 'ERROR', 'nothing listens any more')
})

t.test('startup fails when START exits non-zero, naming the command and its exit code', async t => {
  const r = await run('startup', { ...base, START: 'exit 3', READY_TIMEOUT: '10' })
  t.equal(r.state, 'ERROR')
  t.match(r.reason, /^started with 'exit 3' but start command 'exit 3' ended with exit code 3 \(last check: 127\.0\.0\.1:4441 does not accept connections \(ECONNREFUSED\)\)$/)
  t.ok(r.durationMs < 5000, `gave up at once (${r.durationMs} ms)`)
})

t.test('startup fails after READY_TIMEOUT when the port never opens', async t => {
  const r = await run('startup', { ...base, START: 'exec sleep 3', READY_TIMEOUT: '1' })
  t.equal(r.state, 'ERROR')
  t.match(r.reason, /not ready after 1\.0 s: 127\.0\.0\.1:4441 does not accept connections/)
  t.ok(r.durationMs >= 900 && r.durationMs < 5000, `${r.durationMs} ms`)
})

t.test('a connect slower than SLOW_MS is DEGRADED, not FAILED', async t => {
  const s = await startServer(HOST, Number(PORT))
  servers.push(s)
  const r = await run('monitor', { ...base, SLOW_MS: '0.0001' })
  t.equal(r.state, 'DEGRADED')
  t.match(r.reason, /^127\.0\.0\.1:4441 accepted a connection in \d+ ms \(SLOW_MS 0\.0001\)$/)
  await s.kill()
})

t.test('bad options are errors naming the option', async t => {
  t.match(await run('monitor', { PORT: 'abc' }), { state: 'ERROR', reason: 'option PORT must be a TCP port 1-65535, got \'abc\'' })
  t.match(await run('monitor', {}), { state: 'ERROR', reason: 'option PORT must be a TCP port 1-65535, got \'\'' })
  t.match(await run('monitor', { PORT, CONNECT_TIMEOUT: '-1' }), { state: 'ERROR', reason: 'option CONNECT_TIMEOUT must be a non-negative number of milliseconds, got \'-1\'' })
  t.match(await run('shutdown', { PORT }), { state: 'ERROR', reason: 'nothing to stop with: set STOP, PIDFILE or PROCESS' })
})
