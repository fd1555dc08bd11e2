// Cluster lock figures: time to take an uncontended lock, and time from SIGKILL of the holder's
// owning process (a stand-in for corrald) to another taker holding the lock, for the built-in file
// and etcd helpers; medians of BENCH_RUNS (default 7) runs. Needs util-linux flock and etcd.
// Run: npm run build && node dist/bench/cluster/lock.js
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { fileURLToPath } from 'node:url'
import { Etcd3 } from 'etcd3'
import { CLUSTER_LOCK_ETCD_TTL_S } from '../../engine/config/defaults.js'
import { ClusterLock } from '../../engine/cluster/lock/index.js'
import { median, printTable, timeMs, type BenchRow } from '../lib.js'

const RUNS = Math.max(5, Number(process.env.BENCH_RUNS ?? 7))
const SELF = fileURLToPath(import.meta.url)
const sleep = (ms: number): Promise<void> => new Promise(resolve => setTimeout(resolve, ms))

// `lock.js --owner LOCK`: take the lock, print its status, then wait to be killed.
if (process.argv[2] === '--owner') {
  const lock = new ClusterLock(process.argv[3])
  const r = await lock.take({ timeoutMs: 30_000 })
  process.stdout.write(`${r.status} ${lock.helperPid ?? 0}\n`)
  setInterval(() => {}, 60_000)
} else {
  await main()
}

function startOwner (lock: string): Promise<{ proc: ChildProcess, helperPid: number }> {
  const execArgv = SELF.endsWith('.ts') ? ['--import', import.meta.resolve('tsx')] : []
  const proc = spawn(process.execPath, [...execArgv, SELF, '--owner', lock], { stdio: ['ignore', 'pipe', 'inherit'] })
  return new Promise((resolve, reject) => {
    proc.stdout!.setEncoding('utf8').once('data', (s: string) => {
      const [status, pid] = s.trim().split(' ')
      if (status === 'held') resolve({ proc, helperPid: Number(pid) })
      else reject(new Error(`owner could not take ${lock}: ${status}`))
    })
  })
}

// Median time for a take of a free lock; each run releases before the next.
async function uncontendedTake (lockFor: (i: number) => string): Promise<number> {
  const xs: number[] = []
  for (let i = 0; i < RUNS; i++) {
    const lock = new ClusterLock(lockFor(i))
    const r = await lock.take({ timeoutMs: 30_000 })
    if (r.status !== 'held') throw new Error(`take: ${r.status} ${r.reason ?? ''}`)
    xs.push(r.latencyMs)
    await lock.release()
  }
  return median(xs)
}

// SIGKILL the owner, then take in a loop as a follower would: time until held.
async function failover (lockFor: (i: number) => string, kill: 'owner' | 'helper'): Promise<number> {
  const xs: number[] = []
  for (let i = 0; i < RUNS; i++) {
    const lock = lockFor(i)
    const owner = await startOwner(lock)
    const other = new ClusterLock(lock)
    if ((await other.take({ timeoutMs: 30_000 })).status !== 'contended') throw new Error('expected contention')
    const t0 = performance.now()
    process.kill(kill === 'owner' ? owner.proc.pid! : owner.helperPid, 'SIGKILL')
    for (;;) {
      const r = await other.take({ timeoutMs: 30_000 })
      if (r.status === 'held') break
      if (r.status !== 'contended') throw new Error(`take: ${r.status} ${r.reason ?? ''}`)
      if (performance.now() - t0 > 60_000) throw new Error('lock never freed')
    }
    xs.push(performance.now() - t0)
    await other.release()
    owner.proc.kill('SIGKILL')
  }
  return median(xs)
}

async function freePort (): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer().once('error', reject)
    srv.listen(0, '127.0.0.1', () => { const p = (srv.address() as { port: number }).port; srv.close(() => resolve(p)) })
  })
}

async function startEtcd (dir: string): Promise<{ endpoint: string, stop: () => Promise<void> }> {
  const bin = spawnSync('sh', ['-c', 'command -v etcd'], { encoding: 'utf8' }).stdout.trim()
  if (bin === '') throw new Error('etcd not found: apt-get install -y etcd-server')
  const [c, p, m] = [await freePort(), await freePort(), await freePort()]
  const endpoint = `127.0.0.1:${c}`
  const proc = spawn(bin, ['--name', 'bench', '--data-dir', join(dir, 'etcd'),
    '--listen-client-urls', `http://${endpoint}`, '--advertise-client-urls', `http://${endpoint}`,
    '--listen-peer-urls', `http://127.0.0.1:${p}`, '--initial-advertise-peer-urls', `http://127.0.0.1:${p}`,
    '--initial-cluster', `bench=http://127.0.0.1:${p}`, '--listen-metrics-urls', `http://127.0.0.1:${m}`,
    '--heartbeat-interval=10', '--election-timeout=100'], { stdio: 'ignore' })
  const exited = new Promise(resolve => proc.once('exit', resolve))
  for (let i = 0; ; i++) {
    const ok = await fetch(`http://${endpoint}/health`).then(r => r.ok, () => false)
    if (ok) break
    if (i > 500) throw new Error('etcd did not start')
    await sleep(20)
  }
  return { endpoint, stop: async () => { process.kill(proc.pid!, 'SIGTERM'); await exited } }
}

async function main (): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'corral-bench-lock-'))
  const rows: BenchRow[] = []
  try {
    const file = (i: number): string => join(dir, `lock.${i}`)
    const bare: number[] = []
    for (let i = 0; i < RUNS; i++) bare.push(await timeMs(() => new Promise(resolve => spawn('flock', ['-n', join(dir, 'bare'), 'true']).once('exit', resolve))))
    const bareFlock = median(bare)
    rows.push({ name: 'file: take, uncontended', value: await uncontendedTake(i => file(100 + i)), baseline: bareFlock, unit: 'ms', note: 'baseline: a bare `flock -n FILE true` from Node' })
    rows.push({ name: 'file: SIGKILL of owner -> another holds', value: await failover(i => file(200 + i), 'owner'), baseline: 0, unit: 'ms', note: 'stated baseline 0 (the kernel frees a lock at once)' })

    const etcd = await startEtcd(dir)
    try {
      const url = (i: number): string => `etcd://${etcd.endpoint}/bench/lock-${i}`
      const client = new Etcd3({ hosts: `http://${etcd.endpoint}` })
      const bareEtcd: number[] = []
      for (let i = 0; i < RUNS; i++) {
        bareEtcd.push(await timeMs(async () => {
          const lease = client.lease(CLUSTER_LOCK_ETCD_TTL_S, { autoKeepAlive: false })
          const id = await lease.grant()
          await client.if(`bench/bare-${i}`, 'Create', '==', 0).then(client.put(`bench/bare-${i}`).value('x').lease(id)).commit()
          await lease.revoke()
        }))
      }
      client.close()
      const ttlMs = CLUSTER_LOCK_ETCD_TTL_S * 1000
      rows.push({ name: 'etcd: take, uncontended', value: await uncontendedTake(i => url(100 + i)), baseline: median(bareEtcd), unit: 'ms', note: 'baseline: the same lease + txn + revoke in-process (connected client)' })
      rows.push({ name: 'etcd: SIGKILL of owner -> another holds', value: await failover(i => url(200 + i), 'owner'), baseline: ttlMs, unit: 'ms', note: `stated baseline: the lease TTL (${CLUSTER_LOCK_ETCD_TTL_S} s)` })
      rows.push({ name: 'etcd: SIGKILL of the helper -> another holds', value: await failover(i => url(300 + i), 'helper'), baseline: ttlMs, unit: 'ms', note: 'no revoke possible: the lease must expire' })
    } finally {
      await etcd.stop()
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
  printTable(`Cluster lock (medians of ${RUNS} runs, ${SELF.endsWith('.ts') ? 'from source via tsx' : 'compiled'})`, rows, 'npm run build && node dist/bench/cluster/lock.js')
}
