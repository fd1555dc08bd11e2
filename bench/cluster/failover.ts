// Failover figures on a local 3-node cluster (real corrald processes on 127.0.0.1-3):
// kill -9 of a member, kill -9 of the leader (file lock, and etcd lock when etcd is installed),
// SIGSTOP of a member — each until the survivors have marked it and finished a recovery.
// Baselines: CTDB 4.17's figures from the issue (3 nodes, default tunables, same machine).
// Run: npm run build && node dist/bench/cluster/failover.js
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { healthyFrom, startCluster, type Cluster } from '../../engine/cli/local-harness.js'
import { median, printTable, type BenchRow } from '../lib.js'

const RUNS = Number(process.env.BENCH_RUNS ?? 5)
const PORT = 4470

type Fault = 'kill-member' | 'kill-leader' | 'stop-member'

async function once (fault: Fault, lock?: string): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'corral-bench-failover-'))
  const c: Cluster = await startCluster(dir, 3, PORT, lock)
  let stopped = -1
  try {
    const base = await c.waitFor('a healthy cluster', async () => {
      const all = await Promise.all([0, 1, 2].map(p => healthyFrom(c, p, [0, 1, 2])))
      return all.every(v => v !== null) ? all[0] : null
    }, 30_000)
    // The victim: the leader, or a member that is not the leader; the observer: a survivor.
    const victim = fault === 'kill-leader' ? base.leader : [2, 1, 0].find(p => p !== base.leader)!
    const observer = [0, 1, 2].find(p => p !== victim && (fault === 'kill-leader' || p !== base.leader)) ?? base.leader
    const pid = c.pid(victim)
    const t0 = performance.now()
    if (fault === 'stop-member') { process.kill(pid, 'SIGSTOP'); stopped = pid } else process.kill(pid, 'SIGKILL')
    await c.waitFor('failover', async () => {
      const s = await c.status(observer)
      return s !== null && (s.nodes[victim].flags & 0x1) !== 0 && s.generation !== base.generation && s.recoveryMode === 0 && s.leader >= 0 && s.leader !== (fault === 'kill-leader' ? victim : -1)
    }, 60_000)
    return performance.now() - t0
  } finally {
    if (stopped > 0) { try { process.kill(stopped, 'SIGCONT') } catch {} }
    c.stop()
    rmSync(dir, { recursive: true, force: true })
  }
}

async function series (fault: Fault, lock?: string): Promise<number> {
  const xs: number[] = []
  for (let i = 0; i < RUNS; i++) xs.push(await once(fault, lock))
  return median(xs)
}

async function withEtcd<T> (fn: (url: string) => Promise<T>): Promise<T | null> {
  if (spawnSync('sh', ['-c', 'command -v etcd']).status !== 0) return null
  const data = mkdtempSync(join(tmpdir(), 'corral-bench-etcd-'))
  const etcd: ChildProcess = spawn('etcd', ['--name', 'b', '--data-dir', data, '--listen-client-urls', 'http://127.0.0.1:2479', '--advertise-client-urls', 'http://127.0.0.1:2479',
    '--listen-peer-urls', 'http://127.0.0.1:2480', '--initial-advertise-peer-urls', 'http://127.0.0.1:2480', '--initial-cluster', 'b=http://127.0.0.1:2480',
    '--listen-metrics-urls', 'http://127.0.0.1:2481', '--heartbeat-interval=10', '--election-timeout=100'], { stdio: 'ignore' })
  try {
    await new Promise(resolve => setTimeout(resolve, 1500))
    return await fn('etcd://127.0.0.1:2479/corral-bench/lock')
  } finally {
    etcd.kill('SIGTERM')
    await new Promise(resolve => setTimeout(resolve, 300))
    rmSync(data, { recursive: true, force: true })
  }
}

const rows: BenchRow[] = [
  { name: 'kill -9 a member: DISCONNECTED + recovered', value: await series('kill-member'), baseline: 1200, unit: 'ms', note: 'CTDB ~1.2 s; target < 0.5 s' },
  { name: 'kill -9 the leader: new leader + recovered (file lock)', value: await series('kill-leader'), baseline: 5900, unit: 'ms', note: 'CTDB ~5.9 s; target < 1.5 s' },
]
const etcd = await withEtcd(async url => await series('kill-leader', url))
rows.push({ name: 'kill -9 the leader: new leader + recovered (etcd lock)', value: etcd ?? Number.NaN, baseline: 5900, unit: 'ms', note: etcd === null ? 'etcd not installed' : 'CTDB ~5.9 s' })
rows.push({ name: 'SIGSTOP a member: DISCONNECTED + recovered', value: await series('stop-member'), baseline: 3100, unit: 'ms', note: 'CTDB 28 s default, 3.1 s with KeepaliveInterval=1/Limit=2; target < 2.5 s' })
printTable(`Failover on a local 3-node cluster (median of ${RUNS} runs each)`, rows, 'npm run build && node dist/bench/cluster/failover.js')
