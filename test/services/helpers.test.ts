import t from 'tap'
import { createServer, type Server } from 'node:net'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  anyAlive, findProcesses, listOption, numberOption, portOption, portsOption, probePort, probeReason, processFromPidFile,
  ReconfigureMarks, requiredOption, staleGeneration, waitUntil, yesNoOption,
} from '../../engine/services/index.js'
import { startServer } from './fixtures/servers.js'

// The helpers the service plugins share, against real sockets and real processes (port 4444).
const dir = mkdtempSync(join(tmpdir(), 'corral-services-'))
t.teardown(() => { rmSync(dir, { recursive: true, force: true }) })

t.test('probePort: a listening port accepts, a closed one is refused, both named in the reason', async t => {
  const s: Server = createServer(c => c.end())
  await new Promise<void>(resolve => s.listen(4444, '127.0.0.1', resolve))
  const ok = await probePort({ host: '127.0.0.1', port: 4444 })
  t.equal(ok.ok, true)
  t.match(probeReason('127.0.0.1', 4444, ok), /^127\.0\.0\.1:4444 accepts connections \(\d+ ms\)$/)
  await new Promise(resolve => s.close(resolve))
  const refused = await probePort({ host: '127.0.0.1', port: 4444 })
  t.same(refused.ok, false)
  t.equal(probeReason('127.0.0.1', 4444, refused), '127.0.0.1:4444 does not accept connections (ECONNREFUSED)')
  const aborted = await probePort({ host: '127.0.0.1', port: 4444, signal: AbortSignal.abort() })
  t.match(aborted, { ok: false, error: 'aborted' })
})

t.test('findProcesses finds a real process by name and command-line text; a pid file names it exactly', async t => {
  const pidFile = join(dir, 'srv.pid')
  const s = await startServer('127.0.0.1', 4444, { name: 'corral-helper', dir, pidFile })
  const found = await findProcesses({ name: 'corral-helper' })
  t.same(found.map(p => p.pid), [s.pid])
  t.equal(found[0].comm, 'corral-helper')
  t.same(await findProcesses({ name: 'corral-helper', match: 'no-such-text' }), [])
  t.same((await findProcesses({ name: 'corral-helper', match: '4444' })).map(p => p.pid), [s.pid])
  t.match(await processFromPidFile(pidFile), { pid: s.pid, process: { pid: s.pid } })
  t.equal(await anyAlive([s.pid]), true)
  await s.kill()
  t.same(await findProcesses({ name: 'corral-helper' }), [], 'gone once killed')
  t.match(await processFromPidFile(pidFile), { pid: s.pid, process: null }, 'a stale pid file names no process')
  t.equal(await anyAlive([s.pid]), false)
  writeFileSync(pidFile, 'garbage\n')
  t.same(await processFromPidFile(pidFile), { error: `pid file ${pidFile}: expected a process id on line 1, got 'garbage'` })
  t.same(await processFromPidFile(join(dir, 'none.pid')), { error: `cannot read pid file ${join(dir, 'none.pid')}: ENOENT` })
})

t.test('waitUntil returns once ready, gives the last reason at the deadline, and stops on giveUp or abort', async t => {
  let n = 0
  const ready = await waitUntil(async () => ++n >= 3 ? null : `check ${n}`, { timeoutMs: 5000, intervalMs: 10 })
  t.match(ready, { ok: true, checks: 3 })
  const late = await waitUntil(async () => 'still down', { timeoutMs: 200, intervalMs: 20 })
  t.match(late, { ok: false, reason: 'not ready after 0.2 s: still down' })
  t.ok(late.ms >= 190 && late.ms < 2000, `${late.ms} ms`)
  const gave = await waitUntil(async () => 'down', { timeoutMs: 5000, giveUp: () => 'start command failed' })
  t.match(gave, { ok: false, checks: 1, reason: 'start command failed (last check: down)' })
  const c = new AbortController()
  setTimeout(() => { c.abort() }, 50)
  const aborted = await waitUntil(async () => 'down', { timeoutMs: 5000, intervalMs: 1000, signal: c.signal })
  t.match(aborted, { ok: false, reason: 'cancelled while waiting (last check: down)' })
  t.ok(aborted.ms < 1000)
})

t.test('option parsers accept good values and name the option in every error', async t => {
  t.equal(portOption('PORT', ' 445 '), 445)
  t.same(portsOption('PORTS', '445, 139'), [445, 139])
  t.equal(numberOption('T', '1.5', 'seconds'), 1.5)
  t.equal(yesNoOption('X', 'Yes'), true)
  t.equal(yesNoOption('X', ''), false)
  t.same(listOption(' a, ,b '), ['a', 'b'])
  const bad: Array<[() => unknown, string]> = [
    [() => portOption('PORT', '0'), 'option PORT must be a TCP port 1-65535, got \'0\''],
    [() => portOption('PORT', '65536'), 'option PORT must be a TCP port 1-65535, got \'65536\''],
    [() => portsOption('PORTS', ' , '), 'option PORTS must list at least one TCP port (like 445,139), got \' , \''],
    [() => numberOption('READY_TIMEOUT', '10s', 'seconds'), 'option READY_TIMEOUT must be a non-negative number of seconds, got \'10s\''],
    [() => yesNoOption('WINBIND', 'sometimes'), 'option WINBIND must be yes or no, got \'sometimes\''],
    [() => requiredOption('UNIT', ' '), 'option UNIT is required (set it in the entry\'s .options file)'],
  ]
  for (const [f, msg] of bad) t.throws(f, { name: 'ServiceOptionError', code: 'CORRAL_E_SERVICE_OPTION', message: msg })
})

t.test('staleGeneration: another generation is stale, the same one or an old host (no current) is not', async t => {
  t.equal(staleGeneration({ generation: 5, currentGeneration: 5, event: 'takeip' }), null)
  t.equal(staleGeneration({ generation: 5, event: 'takeip' }), null)
  t.equal(staleGeneration({ generation: 5, currentGeneration: 9, event: 'releaseip' }), 'CORRAL_E_STALE_GENERATION: releaseip was issued at generation 5; this node is now at generation 9; refused')
  const m = new ReconfigureMarks()
  t.equal(m.take('smbd'), false)
  m.mark('smbd')
  m.mark('smbd')
  t.equal(m.take('smbd'), true)
  t.equal(m.take('smbd'), false, 'taken once per takeover run')
})

t.test('markUnlessStale refuses stale work without marking, and marks current work', async t => {
  const m = new ReconfigureMarks()
  t.same(m.markUnlessStale({ generation: 5, currentGeneration: 9, event: 'takeip' }, 'nfs'), { ok: false, reason: 'CORRAL_E_STALE_GENERATION: takeip was issued at generation 5; this node is now at generation 9; refused' })
  t.equal(m.take('nfs'), false, 'a refused takeip marks nothing')
  t.equal(m.markUnlessStale({ generation: 9, currentGeneration: 9, event: 'releaseip' }, 'nfs'), undefined)
  t.equal(m.take('nfs'), true)
})
