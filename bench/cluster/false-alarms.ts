// False alarms under load: a local 3-node cluster runs for BENCH_SECONDS (default 600) while a
// CPU hog spins on the machine and event runs keep the daemons busy; every DISCONNECTED and
// every recovery logged in that time is a false alarm. Baseline: zero.
// Run: npm run build && node dist/bench/cluster/false-alarms.js
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { EventRunRequestSchema } from '../../protocol/gen/corral/v1/events_pb.js'
import { healthyFrom, startCluster } from '../../engine/cli/local-harness.js'
import { connectControl } from '../../engine/transport/client.js'
import { printTable } from '../lib.js'

const SECONDS = Number(process.env.BENCH_SECONDS ?? 600)
const dir = mkdtempSync(join(tmpdir(), 'corral-bench-alarms-'))
const c = await startCluster(dir, 3, 4480)
const hog = spawn('timeout', [String(SECONDS + 5), 'sh', '-c', 'while :; do :; done'], { stdio: 'ignore' })
try {
  await c.waitFor('a healthy cluster', async () => await healthyFrom(c, 0, [0, 1, 2]), 30_000)
  const count = (re: RegExp): number => c.nodes.reduce((n, node) => n + (readFileSync(node.logFile, 'utf8').match(re)?.length ?? 0), 0)
  const disc0 = count(/is DISCONNECTED/g)
  const rec0 = count(/recovery started/g)
  const conn = await connectControl(c.nodes[0].socket, { timeoutMs: 60_000 })
  const end = Date.now() + SECONDS * 1000
  let runs = 0
  while (Date.now() < end) {
    await conn.request(EventRunRequestSchema, { component: 'legacy', event: 'ipreallocated', args: [] })
    runs++
    await new Promise(resolve => setTimeout(resolve, 50))
  }
  conn.close()
  const falseDisc = count(/is DISCONNECTED/g) - disc0
  const falseRec = count(/recovery started/g) - rec0
  printTable(`False alarms in ${SECONDS} s with a CPU hog and ${runs} event runs`, [
    { name: 'DISCONNECTED lines logged', value: falseDisc, baseline: 0, unit: '', note: 'target 0' },
    { name: 'recoveries started', value: falseRec, baseline: 0, unit: '', note: 'target 0' },
  ], 'npm run build && node dist/bench/cluster/false-alarms.js')
} finally {
  hog.kill('SIGTERM')
  c.stop()
  rmSync(dir, { recursive: true, force: true })
}
