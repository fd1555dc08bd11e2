// Typed plugins: `monitor` through 10 trivial plugins with a warm host, against a cold
// `node --import tsx` process per plugin (what running plugins as scripts would cost).
// Run: node --import tsx bench/plugins/monitor.ts
import { spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createEventRunner, tsxImportUrl } from '../../engine/events/index.js'
import { createPluginHost } from '../../engine/events/plugin-host/index.js'
import { median, percentile, printTable, timeMs } from '../lib.js'

const RUNS = Number(process.env.BENCH_RUNS ?? 50)
const root = mkdtempSync(join(tmpdir(), 'corral-bench-plugins-'))
const api = new URL('../../engine/events/plugin-api.' + (import.meta.url.endsWith('.ts') ? 'ts' : 'js'), import.meta.url).pathname
const comp = join(root, 'events.d', 'bench')
mkdirSync(comp, { recursive: true })
for (let i = 1; i <= 10; i++) {
  writeFileSync(join(comp, `${String(i).padStart(2, '0')}.trivial.plugin.ts`), `import { definePlugin } from '${api}'\nexport default definePlugin({ name: 't${i}', events: { monitor () {} } })\n`, { mode: 0o755 })
}
const quiet = { error () {}, warn () {}, info () {}, debug () {} }
const host = createPluginHost({ log: quiet })
const runner = createEventRunner({ eventsDir: join(root, 'events.d'), dataDir: null, configDir: root, pluginRunner: host, log: quiet })
try {
  for (let i = 0; i < 5; i++) await runner.run({ component: 'bench', event: 'monitor' })
  const warm: number[] = []
  for (let i = 0; i < RUNS; i++) {
    warm.push(await timeMs(async () => {
      const r = await runner.run({ component: 'bench', event: 'monitor' })
      if (r.state !== 'OK') throw new Error(`run failed: ${JSON.stringify(r.scripts.find(s => s.state !== 'OK'))}`)
    }))
  }
  const cold: number[] = []
  const script = join(root, 'cold.ts')
  writeFileSync(script, `import p from '${join(comp, '01.trivial.plugin.ts')}'\nawait (p.events as any).monitor({})\n`)
  for (let i = 0; i < 3; i++) {
    cold.push(await timeMs(async () => { spawnSync(process.execPath, ['--import', tsxImportUrl(), script], { stdio: 'ignore', env: { ...process.env, NODE_OPTIONS: '' } }) }))
  }
  const coldEvent = median(cold) * 10
  printTable(`Typed plugins: monitor with 10 trivial plugins (median of ${RUNS} warm runs)`, [
    { name: 'whole event, warm host (median)', value: median(warm), baseline: coldEvent, unit: 'ms', note: 'baseline: 10 x a cold node --import tsx process; target < 20 ms' },
    { name: 'whole event, warm host (p99)', value: percentile(warm, 99), baseline: coldEvent, unit: 'ms', note: '' },
    { name: 'one cold node --import tsx process', value: median(cold), baseline: null, unit: 'ms', note: 'median of 3' },
  ], 'node --import tsx bench/plugins/monitor.ts')
} finally {
  await runner.close()
  await host.close()
  rmSync(root, { recursive: true, force: true })
}
