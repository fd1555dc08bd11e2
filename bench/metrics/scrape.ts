// Scrape latency of GET /metrics (median and p99 of 200 scrapes of a live node) and daemon RSS
// with metrics on vs off, each on a local 2-node cluster after it settled.
// Baseline for latency: GET of a 404 path on the same server (HTTP round trip, no registry work).
// Run: npm run build && node dist/bench/metrics/scrape.js
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { healthyFrom, startCluster, type Cluster } from '../../engine/cli/local-harness.js'
import { median, percentile, printTable, timeMs } from '../lib.js'

const SCRAPES = Number(process.env.BENCH_SCRAPES ?? 200)
const PORT = 4436
const rssKb = (pid: number): number => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN)

// Why: both clusters are measured the same way: healthy, idle for a while, then RSS of every daemon.
async function cluster (name: string, port: number, extra: string | undefined, fn: (c: Cluster) => Promise<void>): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), `corral-bench-metrics-${name}-`))
  let file: string | undefined
  if (extra !== undefined) { file = join(dir, 'extra.conf'); writeFileSync(file, extra) }
  const c = await startCluster(join(dir, 'cluster'), 2, port, undefined, file)
  try {
    await c.waitFor('a healthy cluster', async () => await healthyFrom(c, 0, [0, 1]), 30_000)
    await new Promise(resolve => setTimeout(resolve, 3000))
    await fn(c)
    return median([0, 1].map(p => rssKb(c.pid(p)))) / 1024
  } finally {
    c.stop()
    rmSync(dir, { recursive: true, force: true })
  }
}

const scrapes: number[] = []
const misses: number[] = []
let bytes = 0
const rssOn = await cluster('on', 4434, `[metrics]\naddress = node:${PORT}\n`, async c => {
  const url = `http://${c.nodes[0].address}:${PORT}`
  for (let i = 0; i < 10; i++) await (await fetch(`${url}/metrics`)).text() // warm-up
  for (let i = 0; i < SCRAPES; i++) {
    scrapes.push(await timeMs(async () => { bytes = (await (await fetch(`${url}/metrics`)).text()).length }))
    misses.push(await timeMs(async () => { await (await fetch(`${url}/nope`)).text() }))
  }
})
const rssOff = await cluster('off', 4438, undefined, async () => {})

printTable('Metrics: scrape latency and daemon RSS (2-node local cluster)', [
  { name: `scrape GET /metrics, median of ${SCRAPES}`, value: median(scrapes), baseline: median(misses), unit: 'ms', note: 'baseline: GET of a 404 path' },
  { name: `scrape GET /metrics, p99 of ${SCRAPES}`, value: percentile(scrapes, 99), baseline: percentile(misses, 99), unit: 'ms', note: 'baseline: GET of a 404 path' },
  { name: 'exposition size', value: bytes / 1024, baseline: null, unit: 'KiB' },
  { name: `daemon RSS, metrics on (after ${SCRAPES} scrapes)`, value: rssOn, baseline: rssOff, unit: 'MiB', note: 'baseline: metrics off' },
], 'npm run build && node dist/bench/metrics/scrape.js')
