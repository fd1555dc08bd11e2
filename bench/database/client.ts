// Database client throughput on a local 3-node cluster: fetch+store of a record this node holds
// (straight into LMDB, no daemon round trip), record migration round trips between two nodes, and
// persistent transactions per second (each committed on every node's disk). Medians of RUNS runs.
// Run: npm run build && node dist/bench/database/client.js
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { healthyFrom, startCluster } from '../../engine/cli/local-harness.js'
import { connect } from '../../engine/client/index.js'
import { median, percentile, printTable, type BenchRow } from '../lib.js'

const RUNS = Number(process.env.BENCH_RUNS ?? 5)
const LOCAL_OPS = 50_000
const MIGRATIONS = 200
const TRANSACTIONS = 200

const dir = mkdtempSync(join(tmpdir(), 'corral-bench-client-'))
const c = await startCluster(dir, 3, 4424)
try {
  await c.waitFor('a healthy cluster', async () => await healthyFrom(c, 0, [0, 1, 2]), 30_000)
  const a = await connect({ socket: c.nodes[0].socket })
  const b = await connect({ socket: c.nodes[1].socket })
  const va = await a.attach('bench-vol.tdb')
  const vb = await b.attach('bench-vol.tdb')
  const pa = await a.attach('bench-pers.tdb', 'persistent')
  const local: number[] = []
  const migr: number[] = []
  const migrLat: number[] = []
  const trans: number[] = []
  for (let run = 0; run < RUNS; run++) {
    await va.store('hot', 'x')
    let t0 = performance.now()
    for (let i = 0; i < LOCAL_OPS; i++) { await va.fetch('hot'); await va.store('hot', `value ${i} of a hundred-byte-ish record ..........................................`) }
    local.push(LOCAL_OPS / (performance.now() - t0) * 1000)
    t0 = performance.now()
    for (let i = 0; i < MIGRATIONS; i++) {
      const s = performance.now()
      await (i % 2 === 0 ? vb : va).store('ping', `x${i}`)
      migrLat.push(performance.now() - s)
    }
    migr.push(MIGRATIONS / (performance.now() - t0) * 1000)
    t0 = performance.now()
    for (let i = 0; i < TRANSACTIONS; i++) { const tx = pa.transaction(); tx.store(`k${i}`, 'v'); await tx.commit() }
    trans.push(TRANSACTIONS / (performance.now() - t0) * 1000)
  }
  await a.close()
  await b.close()
  const rows: BenchRow[] = [
    { name: `fetch+store of a held record, one client (${LOCAL_OPS} pairs)`, value: median(local), baseline: 100_000, unit: 'pairs/s', note: `baseline: the issue's 100,000 ops/s read as pairs; ${Math.round(2 * median(local))} single calls/s; straight LMDB, no daemon round trip` },
    { name: 'record migration between two nodes (alternating writers)', value: median(migr), baseline: null, unit: 'ops/s', note: `latency p50 ${median(migrLat).toFixed(2)} ms, p99 ${percentile(migrLat, 99).toFixed(2)} ms (fsync on both sides)` },
    { name: 'persistent transactions, one client, 3 nodes', value: median(trans), baseline: null, unit: 'tx/s', note: 'each on every node\'s disk before it is acknowledged' },
  ]
  printTable(`Database client on a local 3-node cluster (median of ${RUNS} runs)`, rows, 'npm run build && node dist/bench/database/client.js')
} finally {
  c.stop()
  rmSync(dir, { recursive: true, force: true })
}
