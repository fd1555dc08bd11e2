import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { ClusterLock, type LockLost } from '../../../engine/cluster/lock/index.js'
import { alive, waitUntil } from './fixtures/procs.js'

const dir = mkdtempSync(join(tmpdir(), 'corral-lock-cmd-'))
t.teardown(() => rmSync(dir, { recursive: true, force: true }))

// A helper script in the temp dir; the lock string runs it as `!/bin/sh FILE ARGS`.
function helper (name: string, body: string): string {
  const file = join(dir, name)
  writeFileSync(file, `#!/bin/sh\n${body}\n`)
  chmodSync(file, 0o755)
  return file
}

const logs: string[] = []
const logger = {
  error: (_: object, m: string) => { logs.push(`error ${m}`) },
  warn: (_: object, m: string) => { logs.push(`warn ${m}`) },
  info: () => {},
  debug: () => {},
}

t.test('a helper that prints 1 means contended', async t => {
  const lock = new ClusterLock(`!${helper('contended', 'printf 1')}`)
  const r = await lock.take({ timeoutMs: 10_000 })
  t.equal(r.status, 'contended')
  t.equal(lock.held, false)
  t.ok(r.latencyMs > 0 && r.latencyMs < 10_000, `latency recorded (${r.latencyMs.toFixed(1)} ms)`)
  t.equal(lock.lastLatencyMs, r.latencyMs)
})

t.test('a helper that prints garbage is an error naming what it printed', async t => {
  const lock = new ClusterLock(`!${helper('garbage', 'printf "hello"; sleep 30')}`)
  const r = await lock.take({ timeoutMs: 10_000 })
  t.equal(r.status, 'error')
  t.match(r.reason, /printed "hello", not 0\/1\/2\/3/)
  t.equal(lock.helperPid, undefined, 'the helper was stopped')
})

t.test('a helper that exits without printing is an error carrying its stderr', async t => {
  const lock = new ClusterLock(`!${helper('silent', 'echo "cannot reach the lock service" >&2; exit 0')}`, { logger })
  const r = await lock.take({ timeoutMs: 10_000 })
  t.equal(r.status, 'error')
  t.match(r.reason, /exited without printing a status: cannot reach the lock service/)
  t.ok(logs.includes('warn cannot reach the lock service'), 'stderr went to the log')
})

t.test('a helper that prints 2 or 3 means timeout or error', async t => {
  t.equal((await new ClusterLock(`!${helper('two', 'printf 2')}`).take()).status, 'timeout')
  t.equal((await new ClusterLock(`!${helper('three', 'printf 3')}`).take()).status, 'error')
})

t.test('a missing helper is an error, not an exception', async t => {
  const r = await new ClusterLock(`!${join(dir, 'no-such-helper')} x`).take({ timeoutMs: 10_000 })
  t.equal(r.status, 'error')
  t.match(r.reason, /cannot run .*no-such-helper/)
})

t.test('a helper that never answers gives timeout and is killed', async t => {
  const pidFile = join(dir, 'never.pid')
  const lock = new ClusterLock(`!${helper('never', 'echo $$ > "$1"; exec sleep 60')} ${pidFile}`, { killGraceMs: 500 })
  const r = await lock.take({ timeoutMs: 400 })
  t.equal(r.status, 'timeout')
  t.ok(r.latencyMs >= 390 && r.latencyMs < 5_000, `timed out after ${r.latencyMs.toFixed(0)} ms`)
  const { readFileSync } = await import('node:fs')
  t.notOk(alive(Number(readFileSync(pidFile, 'utf8'))), 'the helper is gone')
})

t.test('a helper that ignores SIGTERM is killed after the grace delay', async t => {
  const lock = new ClusterLock(`!${helper('stubborn', "trap '' TERM; printf 0; while :; do sleep 0.05; done")}`, { killGraceMs: 300 })
  t.equal((await lock.take()).status, 'held')
  const pid = lock.helperPid!
  const t0 = Date.now()
  await lock.release()
  t.ok(Date.now() - t0 >= 250, 'waited for the grace delay')
  t.notOk(alive(pid), 'the helper is gone')
})

t.test('after 0, the helper exiting is lock:lost; later output is ignored', async t => {
  // CTDB's etcd helper prints 0 again on every refresh; that must not disturb the holder.
  const lock = new ClusterLock(`!${helper('flaky', 'printf 0; sleep 0.2; printf 0000; sleep 0.3; echo "lease expired" >&2; exit 0')}`)
  const lost = new Promise<LockLost>(resolve => lock.on('lock:lost', resolve))
  const r = await lock.take({ timeoutMs: 10_000 })
  t.equal(r.status, 'held')
  t.equal(lock.held, true)
  const l = await lost
  t.equal(lock.held, false)
  t.equal(l.reason, 'lease expired')
  t.equal(l.code, 0)
  t.ok(l.heldMs >= 400, `held for ${l.heldMs.toFixed(0)} ms`)
})

t.test('release SIGTERMs a holding helper, waits for it, and is not a loss', async t => {
  const marker = join(dir, 'released')
  const lock = new ClusterLock(`!${helper('holder', `trap 'touch "$1"; exit 0' TERM; printf 0; while :; do sleep 0.05; done`)} ${marker}`)
  let lostCount = 0
  lock.on('lock:lost', () => { lostCount++ })
  t.equal((await lock.take()).status, 'held')
  t.same(await lock.take(), { status: 'held', latencyMs: 0 }, 'taking a held lock keeps it')
  const pid = lock.helperPid!
  await lock.release()
  t.notOk(alive(pid), 'the helper is gone when release resolves')
  const { existsSync } = await import('node:fs')
  t.ok(existsSync(marker), 'the helper saw SIGTERM')
  await new Promise(resolve => setTimeout(resolve, 100))
  t.equal(lostCount, 0)
  t.equal((await lock.take()).status, 'held', 'it can be taken again')
  await lock.release()
})

t.test('release while a take is pending stops the helper and the take reports it', async t => {
  const lock = new ClusterLock(`!${helper('slow', 'sleep 0.3; printf 0; exec sleep 60')}`)
  const taking = lock.take({ timeoutMs: 10_000 })
  await waitUntil(() => lock.helperPid !== undefined, 5_000)
  await lock.release()
  const r = await taking
  t.not(r.status, 'held')
  t.equal(lock.held, false)
})

t.test('what a helper started in the background is stopped with it and cannot stall a take', async t => {
  const pidFile = join(dir, 'grandchild.pid')
  const lock = new ClusterLock(`!${helper('forks', 'sleep 60 & echo $! > "$1"; printf 1')} ${pidFile}`, { killGraceMs: 300 })
  const r = await lock.take({ timeoutMs: 10_000 })
  t.equal(r.status, 'contended')
  const { readFileSync } = await import('node:fs')
  t.notOk(alive(Number(readFileSync(pidFile, 'utf8'))), 'the background sleep was stopped too')
})
