import { performance } from 'node:perf_hooks'
import { Etcd3 } from 'etcd3'
import t from 'tap'
import { ClusterLock, type LockLost } from '../../../engine/cluster/lock/index.js'
import { alive, startEtcd, startOwner, waitUntil } from './fixtures/procs.js'

// No etcd binary ⇒ startEtcd throws with what to install, and this whole file fails.
const etcd = await startEtcd()
t.teardown(() => etcd.stop())
let n = 0
const lockUrl = (ttl = 3): string => `etcd://${etcd.endpoint}/corral-test/lock-${++n}?ttl=${ttl}`

t.test('of two users of one etcd lock exactly one holds it and the other is contended', async t => {
  const url = lockUrl()
  const a = new ClusterLock(url)
  const b = new ClusterLock(url)
  const [ra, rb] = await Promise.all([a.take({ timeoutMs: 20_000 }), b.take({ timeoutMs: 20_000 })])
  t.same([ra.status, rb.status].sort(), ['contended', 'held'], `${ra.reason ?? ''} ${rb.reason ?? ''}`)
  t.comment(`take latency (from source, via tsx): ${ra.latencyMs.toFixed(0)} ms / ${rb.latencyMs.toFixed(0)} ms`)
  await a.release()
  await b.release()
})

t.test('when the etcd holder releases, the lease is revoked and the other user takes it at once', async t => {
  const url = lockUrl(30)
  const a = new ClusterLock(url)
  const b = new ClusterLock(url)
  t.equal((await a.take({ timeoutMs: 20_000 })).status, 'held')
  t.equal((await b.take({ timeoutMs: 20_000 })).status, 'contended')
  await a.release()
  t.equal((await b.take({ timeoutMs: 20_000 })).status, 'held', 'no need to wait out the 30 s TTL')
  await b.release()
})

t.test('kill -9 of the holding process makes its etcd helper revoke the lease and exit', async t => {
  const url = lockUrl(30)
  const owner = startOwner(url)
  t.teardown(() => { if (owner.proc.exitCode === null) owner.proc.kill('SIGKILL') })
  const r = await owner.result
  t.equal(r.status, 'held', r.reason ?? 'held')
  const other = new ClusterLock(url)
  t.equal((await other.take({ timeoutMs: 20_000 })).status, 'contended')
  const t0 = performance.now()
  owner.proc.kill('SIGKILL')
  const helperGoneMs = await waitUntil(() => !alive(r.helperPid!), 10_000, 5)
  let taken = ''
  await waitUntil(async () => (taken = (await other.take({ timeoutMs: 20_000 })).status) === 'held', 20_000, 0)
  const freeMs = performance.now() - t0
  t.equal(taken, 'held')
  t.ok(freeMs < 10_000, `another user held it ${freeMs.toFixed(0)} ms after the kill, well inside the 30 s TTL (helper gone after ${helperGoneMs.toFixed(0)} ms)`)
  await other.release()
})

t.test('kill -9 of the etcd helper itself is lock:lost and the lock frees after the TTL', async t => {
  const url = lockUrl(2)
  const a = new ClusterLock(url)
  const lost = new Promise<LockLost>(resolve => a.on('lock:lost', resolve))
  t.equal((await a.take({ timeoutMs: 20_000 })).status, 'held')
  const t0 = performance.now()
  process.kill(a.helperPid!, 'SIGKILL')
  t.equal((await lost).signal, 'SIGKILL')
  const b = new ClusterLock(url)
  await waitUntil(async () => (await b.take({ timeoutMs: 20_000 })).status === 'held', 15_000, 50)
  const ms = performance.now() - t0
  t.ok(ms >= 1_000 && ms < 10_000, `free after ${ms.toFixed(0)} ms (TTL 2 s)`)
  await b.release()
})

t.test('deleting the lock key in etcd is lock:lost', async t => {
  const url = lockUrl(3)
  const a = new ClusterLock(url)
  const lost = new Promise<LockLost>(resolve => a.on('lock:lost', resolve))
  t.equal((await a.take({ timeoutMs: 20_000 })).status, 'held')
  const client = new Etcd3({ hosts: `http://${etcd.endpoint}` })
  t.teardown(() => client.close())
  await client.delete().key(`corral-test/lock-${n}`)
  t.match((await lost).reason, /lock lost - key ".*" is gone/)
})

t.test('an unreachable etcd is an error with the reason', async t => {
  const r = await new ClusterLock('etcd://127.0.0.1:1/x?ttl=3').take({ timeoutMs: 30_000 })
  t.equal(r.status, 'error')
  t.match(r.reason, /cannot get a lease/)
})

t.test('a holder cut off from etcd gives the lock up before its lease can expire', async t => {
  // A second etcd that we stop: the holder cannot renew and must exit before the TTL ends.
  const lone = await startEtcd()
  t.teardown(() => lone.stop())
  const a = new ClusterLock(`etcd://${lone.endpoint}/k?ttl=3`)
  const lost = new Promise<LockLost>(resolve => a.on('lock:lost', resolve))
  t.equal((await a.take({ timeoutMs: 20_000 })).status, 'held')
  await new Promise(resolve => setTimeout(resolve, 1_500))
  const t0 = performance.now()
  await lone.stop()
  const l = await lost
  const ms = performance.now() - t0
  t.match(l.reason, /lease not renewed|lease lost/)
  t.ok(ms < 3_000, `gave up ${ms.toFixed(0)} ms after etcd went away (TTL 3 s, last renewal before that)`)
})
