// LCP2 allocation time: every address unassigned (a cold start) and every node healthy, against the
// deterministic algorithm on the same input. Medians of several runs.
// Run: node --import tsx bench/ip/alloc.ts
import { allocate, type Algorithm } from '../../engine/ip/index.js'
import { median, printTable, timeMs, type BenchRow } from '../lib.js'

const SIZES: Array<[number, number]> = [[8, 64], [16, 256], [32, 512], [64, 1024], [256, 4096]]
const RUNS = Number(process.env.BENCH_RUNS ?? 5)

async function time (nodes: number, ips: number, algorithm: Algorithm): Promise<number> {
  const input = {
    nodeFlags: Array<number>(nodes).fill(0),
    ips: Array.from({ length: ips }, (_, i) => ({ ip: `10.${(i >> 8) & 255}.${i & 255}.1`, owner: -1 })),
    algorithm,
  }
  const xs: number[] = []
  for (let i = 0; i < RUNS; i++) xs.push(await timeMs(async () => { allocate(input) }))
  return median(xs)
}

const rows: BenchRow[] = []
for (const [n, k] of SIZES) {
  rows.push({ name: `LCP2, ${n} nodes x ${k} addresses, cold start`, value: await time(n, k, 'lcp2'), baseline: await time(n, k, 'deterministic'), unit: 'ms', note: 'baseline: deterministic on the same input' })
}
printTable(`Public-IP allocation (median of ${RUNS})`, rows, 'node --import tsx bench/ip/alloc.ts')
