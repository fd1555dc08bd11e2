// Runs every benchmark in turn (compiled, from dist/): `npm run bench`.
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'

const here = import.meta.dirname
const benches = [
  'events/dispatch.js', 'events/hung.js', 'events/memory.js', 'plugins/monitor.js',
  'transport/rtt.js', 'cluster/lock.js', 'cluster/failover.js', 'ip/alloc.js', 'ip/failover.js',
  'database/recovery.js', 'database/client.js', 'metrics/scrape.js', 'notify/watch.js', 'services/failover.js',
]
// The million-record database recovery takes minutes: opt in with BENCH_DB_MAX=1000000.
const env = { ...process.env, BENCH_DB_MAX: process.env.BENCH_DB_MAX ?? '100000' }
let failed = 0
for (const b of benches) {
  const file = join(here, b)
  if (!existsSync(file)) continue
  process.stdout.write(`\n# ${b}\n`)
  const r = spawnSync(process.execPath, [file], { stdio: 'inherit', env })
  if (r.status !== 0) failed++
}
process.exit(failed === 0 ? 0 : 1)
