// Runs every benchmark in turn (compiled, from dist/): `npm run bench`.
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'

const here = import.meta.dirname
const benches = [
  'events/dispatch.js', 'events/hung.js', 'events/memory.js', 'plugins/monitor.js',
  'transport/rtt.js', 'cluster/lock.js', 'cluster/failover.js', 'ip/alloc.js', 'ip/failover.js',
]
let failed = 0
for (const b of benches) {
  const file = join(here, b)
  if (!existsSync(file)) continue
  process.stdout.write(`\n# ${b}\n`)
  const r = spawnSync(process.execPath, [file], { stdio: 'inherit' })
  if (r.status !== 0) failed++
}
process.exit(failed === 0 ? 0 : 1)
