// `corral status` latency (CLI start to output) and daemon RSS when idle, on a local 3-node cluster.
// Baseline: starting Node itself (`node -e 0`) on this machine, which no Node CLI can beat.
// Run: npm run build && node dist/bench/cluster/cli-latency.js
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { packageRoot } from '../../engine/config/package-root.js'
import { healthyFrom, startCluster } from '../../engine/cli/local-harness.js'
import { median, printTable } from '../lib.js'

const RUNS = Number(process.env.BENCH_RUNS ?? 15)
const time = (args: string[]): number => {
  const t0 = performance.now()
  const r = spawnSync(process.execPath, args, { stdio: 'ignore' })
  if (r.status !== 0) throw new Error(`${args.join(' ')} exited ${r.status}`)
  return performance.now() - t0
}
const dir = mkdtempSync(join(tmpdir(), 'corral-bench-cli-'))
const c = await startCluster(dir, 3, 4490)
try {
  await c.waitFor('a healthy cluster', async () => await healthyFrom(c, 0, [0, 1, 2]), 30_000)
  await new Promise(resolve => setTimeout(resolve, 2000))
  const cli = join(packageRoot(), 'dist', 'cli', 'corral.js')
  const status: number[] = []
  const bare: number[] = []
  for (let i = 0; i < RUNS; i++) {
    status.push(time([cli, '--socket', c.nodes[0].socket, 'status']))
    bare.push(time(['-e', '0']))
  }
  const rss = c.nodes.map(n => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${c.pid(n.pnn)}/status`, 'utf8'))![1]) / 1024)
  printTable(`corral status latency and daemon memory (median of ${RUNS})`, [
    { name: 'corral status, CLI start to output', value: median(status), baseline: median(bare), unit: 'ms', note: 'baseline: node -e 0 (Node start alone); target < 150 ms' },
    { name: 'corrald RSS, idle member of a 3-node cluster', value: median(rss), baseline: null, unit: 'MiB', note: '' },
  ], 'npm run build && node dist/bench/cluster/cli-latency.js')
} finally {
  c.stop()
  rmSync(dir, { recursive: true, force: true })
}
