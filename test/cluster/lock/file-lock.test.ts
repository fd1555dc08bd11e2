import { mkdtempSync, renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import t from 'tap'
import { ClusterLock, type LockLost } from '../../../engine/cluster/lock/index.js'
import { alive, sleep, startOwner, waitUntil } from './fixtures/procs.js'

const dir = mkdtempSync(join(tmpdir(), 'corral-lock-file-'))
t.teardown(() => rmSync(dir, { recursive: true, force: true }))
let n = 0
const lockFile = (): string => join(dir, `lock.${++n}`)
const opts = { recheckIntervalS: 0.2, killGraceMs: 1_000 }

t.test('of two users of one lock file exactly one holds it and the other is contended', async t => {
  const file = lockFile()
  const a = new ClusterLock(file, opts)
  const b = new ClusterLock(file, opts)
  const [ra, rb] = await Promise.all([a.take({ timeoutMs: 20_000 }), b.take({ timeoutMs: 20_000 })])
  t.same([ra.status, rb.status].sort(), ['contended', 'held'])
  t.equal(a.held !== b.held, true)
  t.comment(`take latency (from source, via tsx): ${ra.latencyMs.toFixed(0)} ms / ${rb.latencyMs.toFixed(0)} ms`)
  await a.release()
  await b.release()
})

t.test('when the holder releases, the other user can take it', async t => {
  const file = lockFile()
  const a = new ClusterLock(file, opts)
  const b = new ClusterLock(file, opts)
  t.equal((await a.take({ timeoutMs: 20_000 })).status, 'held')
  t.equal((await b.take({ timeoutMs: 20_000 })).status, 'contended')
  await a.release()
  t.equal((await b.take({ timeoutMs: 20_000 })).status, 'held')
  t.equal((await a.take({ timeoutMs: 20_000 })).status, 'contended')
  await b.release()
})

t.test('a lock is held across processes (an owner process holds it, we are contended)', async t => {
  const file = lockFile()
  const owner = startOwner(file)
  t.teardown(() => { if (owner.proc.exitCode === null) owner.proc.kill('SIGKILL') })
  t.equal((await owner.result).status, 'held')
  t.equal((await new ClusterLock(file, opts).take({ timeoutMs: 20_000 })).status, 'contended')
})

t.test('kill -9 of the holding process makes its helper exit and frees the lock', async t => {
  const file = lockFile()
  const owner = startOwner(file)
  t.teardown(() => { if (owner.proc.exitCode === null) owner.proc.kill('SIGKILL') })
  const r = await owner.result
  t.equal(r.status, 'held')
  const other = new ClusterLock(file, opts)
  t.equal((await other.take({ timeoutMs: 20_000 })).status, 'contended')
  const t0 = performance.now()
  owner.proc.kill('SIGKILL')
  const helperGoneMs = await waitUntil(() => !alive(r.helperPid!), 10_000, 5)
  let taken: string = ''
  await waitUntil(async () => (taken = (await other.take({ timeoutMs: 20_000 })).status) === 'held', 10_000, 0)
  const freeMs = performance.now() - t0
  t.equal(taken, 'held')
  t.ok(freeMs < 5_000, `another user held it ${freeMs.toFixed(0)} ms after the kill (helper gone after ${helperGoneMs.toFixed(0)} ms)`)
  await other.release()
})

t.test('kill -9 of the helper itself frees the lock and is lock:lost', async t => {
  const file = lockFile()
  const a = new ClusterLock(file, opts)
  const lost = new Promise<LockLost>(resolve => a.on('lock:lost', resolve))
  t.equal((await a.take({ timeoutMs: 20_000 })).status, 'held')
  process.kill(a.helperPid!, 'SIGKILL')
  t.equal((await lost).signal, 'SIGKILL')
  t.equal((await new ClusterLock(file, opts).take({ timeoutMs: 20_000 })).status, 'held', 'the kernel freed the lock')
})

t.test('deleting the lock file is lock:lost', async t => {
  const file = lockFile()
  const a = new ClusterLock(file, opts)
  const lost = new Promise<LockLost>(resolve => a.on('lock:lost', resolve))
  t.equal((await a.take({ timeoutMs: 20_000 })).status, 'held')
  const t0 = performance.now()
  unlinkSync(file)
  const l = await lost
  t.match(l.reason, /lock lost - lock file .* check failed/)
  t.ok(performance.now() - t0 < 5_000, `noticed after ${(performance.now() - t0).toFixed(0)} ms (recheck 200 ms)`)
  t.equal(a.held, false)
})

t.test('replacing the lock file with another inode is lock:lost', async t => {
  const file = lockFile()
  const a = new ClusterLock(file, opts)
  const lost = new Promise<LockLost>(resolve => a.on('lock:lost', resolve))
  t.equal((await a.take({ timeoutMs: 20_000 })).status, 'held')
  writeFileSync(`${file}.new`, '')
  renameSync(`${file}.new`, file)
  t.match((await lost).reason, /inode changed/)
})

t.test('a lock file that cannot be opened is an error with the reason', async t => {
  const r = await new ClusterLock(join(dir, 'no-such-dir', 'lock'), opts).take({ timeoutMs: 20_000 })
  t.equal(r.status, 'error')
  t.match(r.reason, /cannot open lock file .*ENOENT/)
})

t.test('the file helper is contended against a bare flock(1) holder too', async t => {
  const file = lockFile()
  const { spawn } = await import('node:child_process')
  const holder = spawn('flock', ['-n', file, 'sleep', '30'], { stdio: 'ignore' })
  t.teardown(() => { holder.kill('SIGKILL') })
  await sleep(200)
  t.equal((await new ClusterLock(file, opts).take({ timeoutMs: 20_000 })).status, 'contended')
})
