// Notifications delivered to 10 `corral watch` clients on a local 2-node cluster: node 0 is
// disabled and enabled in a tight loop over its control socket (bounded count and time), every
// watcher must see every change, in order; figures are changes per second and delivery latency.
// Run: npm run build && node dist/bench/notify/watch.js   (BENCH_CHANGES, BENCH_WATCHERS)
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { AdminRequestSchema } from '../../protocol/gen/corral/v1/cluster_pb.js'
import { WatchRequestSchema } from '../../protocol/gen/corral/v1/notify_pb.js'
import { healthyFrom, startCluster } from '../../engine/cli/local-harness.js'
import { connectControl } from '../../engine/transport/client.js'
import { percentile, printTable } from '../lib.js'

const PORT = 4416
const CHANGES = Number(process.env.BENCH_CHANGES ?? 2000)
const WATCHERS = Number(process.env.BENCH_WATCHERS ?? 10)
const MAX_MS = 30_000

const dir = mkdtempSync(join(tmpdir(), 'corral-bench-notify-'))
const c = await startCluster(dir, 2, PORT)
try {
  await c.waitFor('a healthy cluster', async () => await healthyFrom(c, 0, [0, 1]), 30_000)
  const sock = c.nodes[0].socket
  interface Seen { flags: number, lastSeq: number, inOrder: boolean, lagMs: number[], total: number }
  const seen: Seen[] = []
  const watchers = await Promise.all(Array.from({ length: WATCHERS }, async () => {
    const conn = await connectControl(sock, { timeoutMs: 5000 })
    const s: Seen = { flags: 0, lastSeq: 0, inOrder: true, lagMs: [], total: 0 }
    seen.push(s)
    const done = (async () => {
      let expectNew = 4
      for await (const n of conn.stream(WatchRequestSchema, {}, { timeoutMs: MAX_MS })) {
        const seq = Number(n.seq)
        if (s.lastSeq !== 0 && seq !== s.lastSeq + 1) s.inOrder = false
        s.lastSeq = seq
        s.total++
        if (n.type !== 'node:flags') continue
        const f = JSON.parse(n.json) as { pnn: number, new: number }
        if (f.pnn !== 0) continue
        if ((f.new & 4) !== expectNew) s.inOrder = false
        expectNew ^= 4
        s.lagMs.push(Date.now() - Number(n.timeMs))
        if (++s.flags === CHANGES) return
      }
    })()
    return { conn, done }
  }))
  const admin = await connectControl(sock, { timeoutMs: 5000 })
  const t0 = performance.now()
  let made = 0
  for (; made < CHANGES && performance.now() - t0 < MAX_MS; made++) {
    await admin.request(AdminRequestSchema, { op: made % 2 === 0 ? 'disable' : 'enable', seconds: 0 })
  }
  const sent = performance.now() - t0
  await Promise.race([Promise.all(watchers.map(w => w.done)), new Promise(resolve => setTimeout(resolve, MAX_MS))])
  const all = performance.now() - t0
  admin.close()
  for (const w of watchers) w.conn.close()
  const delivered = Math.min(...seen.map(s => s.flags))
  const lags = seen.flatMap(s => s.lagMs)
  const ok = seen.every(s => s.inOrder) && delivered === made
  printTable(`notifications: ${made} flag changes to ${WATCHERS} watchers (local 2-node cluster)`, [
    { name: 'changes made per second (disable/enable over the control socket)', value: made / (sent / 1000), baseline: null, unit: '/s' },
    { name: `changes delivered to all ${WATCHERS} watchers per second`, value: delivered / (all / 1000), baseline: null, unit: '/s' },
    { name: 'notifications per watcher (flags, takeover runs, addresses)', value: seen[0].total, baseline: null, unit: '' },
    { name: 'delivery latency p50', value: percentile(lags, 50), baseline: null, unit: 'ms', note: 'entry time to watcher (same host, ms clock)' },
    { name: 'delivery latency p99', value: percentile(lags, 99), baseline: null, unit: 'ms' },
    { name: 'every watcher saw every change, in order', value: ok ? 1 : 0, baseline: null, unit: ok ? '(yes)' : '(NO)' },
  ], 'npm run build && node dist/bench/notify/watch.js')
  if (!ok) process.exitCode = 1
} finally {
  c.stop()
  rmSync(dir, { recursive: true, force: true })
}
