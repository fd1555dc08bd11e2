// Typed plugins: `monitor` through 10 trivial plugins with a warm host, against a cold
// `node --import tsx` process per plugin (what running each plugin as a .ts script would cost).
// Run: node --import tsx bench/plugins/monitor.ts   (BENCH_RUNS=200 for more samples)
import { spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createEventRunner, tsxImportUrl } from '../../engine/events/index.js'
import { createPluginHost } from '../../engine/events/plugin-host/index.js'
import { median, percentile, printTable, timeMs } from '../lib.js'

const RUNS = Number(process.env.BENCH_RUNS ?? 50)
const COLD_RUNS = Number(process.env.BENCH_COLD_RUNS ?? 5)
const PLUGINS = 10
const root = mkdtempSync(join(tmpdir(), 'corral-bench-plugins-'))
const comp = join(root, 'events.d', 'bench')
mkdirSync(comp, { recursive: true })
const files: string[] = []
for (let i = 1; i <= PLUGINS; i++) {
  const file = join(comp, `${String(i).padStart(2, '0')}.trivial.plugin.ts`)
  writeFileSync(file, `import { definePlugin } from 'corral/plugin'\nexport default definePlugin({ name: 't${i}', events: { monitor (ctx) { ctx.log.info('ok') } } })\n`, { mode: 0o755 })
  files.push(file)
}
const quiet = { error () {}, warn () {}, info () {}, debug () {} }
const host = createPluginHost({ log: quiet })
const runner = createEventRunner({ eventsDir: join(root, 'events.d'), dataDir: null, configDir: root, pluginRunner: host, log: quiet })
const req = (path: string, component: string) => ({ component, name: 'p', path, event: 'monitor' as const, args: [], deadline: Date.now() + 30_000, options: {}, generation: 0 })

try {
  // A host from nothing: spawn, tsx and zx loaded, ready; then the first run (imports the module).
  const start = await timeMs(() => host.warm('cold'))
  const first = await timeMs(() => host.run(req(files[0], 'cold')))

  for (let i = 0; i < 5; i++) await runner.run({ component: 'bench', event: 'monitor' })
  const event: number[] = []
  for (let i = 0; i < RUNS; i++) {
    event.push(await timeMs(async () => {
      const r = await runner.run({ component: 'bench', event: 'monitor' })
      if (r.state !== 'OK') throw new Error(`run failed: ${JSON.stringify(r.scripts.find(s => s.state !== 'OK'))}`)
    }))
  }
  // The host alone (no runner, discovery or options files): one plugin run, warm.
  const one: number[] = []
  for (let i = 0; i < RUNS * 4; i++) one.push(await timeMs(() => host.run(req(files[i % PLUGINS], 'direct'))))

  // Baseline: each plugin as its own cold `node --import tsx` process (a .ts script's cost).
  const script = join(root, 'cold.mts')
  const api = new URL('../../engine/events/plugin-api.' + (import.meta.url.endsWith('.ts') ? 'ts' : 'js'), import.meta.url).pathname
  writeFileSync(script, `import { definePlugin } from '${api}'\nconst p = definePlugin({ name: 'c', events: { monitor () { console.log('ok') } } })\nawait (p.events.monitor as () => void)()\n`)
  const cold: number[] = []
  for (let i = 0; i < COLD_RUNS; i++) {
    cold.push(await timeMs(async () => {
      const r = spawnSync(process.execPath, ['--import', tsxImportUrl(), script], { stdio: 'ignore', env: { ...process.env, NODE_OPTIONS: '' } })
      if (r.status !== 0) throw new Error(`cold run exited ${r.status}`)
    }))
  }
  const coldEvent = median(cold) * PLUGINS
  printTable(`Typed plugins: monitor through ${PLUGINS} trivial plugins (${RUNS} warm event runs, ${COLD_RUNS} cold processes)`, [
    { name: `whole event, ${PLUGINS} plugins, warm host (median)`, value: median(event), baseline: coldEvent, unit: 'ms', note: `baseline: ${PLUGINS} x one cold node --import tsx process; target < 20 ms` },
    { name: `whole event, ${PLUGINS} plugins, warm host (p99)`, value: percentile(event, 99), baseline: coldEvent, unit: 'ms', note: '' },
    { name: 'one plugin run, warm host, no runner (median)', value: median(one), baseline: median(cold), unit: 'ms', note: `p99 ${percentile(one, 99).toFixed(2)} ms; baseline: one cold process` },
    { name: 'one cold node --import tsx process (median)', value: median(cold), baseline: null, unit: 'ms', note: `min ${Math.min(...cold).toFixed(0)}, max ${Math.max(...cold).toFixed(0)} ms` },
    { name: 'host start until ready (tsx + zx loaded)', value: start, baseline: null, unit: 'ms', note: 'once per component, or at daemon start with prewarm' },
    { name: 'first run in a fresh host (imports the module)', value: first, baseline: null, unit: 'ms', note: '' },
  ], 'node --import tsx bench/plugins/monitor.ts')
} finally {
  await runner.close()
  await host.close()
  rmSync(root, { recursive: true, force: true })
}
