import t from 'tap'
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { healthyFrom, startCluster, type Cluster } from '../../engine/cli/local-harness.js'
import { packageRoot } from '../../engine/config/package-root.js'

// node:PORT: every node of the local cluster serves on its own 127.0.0.N address, one port for all.
const METRICS_PORT = 4431
const dir = mkdtempSync(join(tmpdir(), 'corral-metrics-'))
const extra = join(dir, 'extra.conf')
writeFileSync(extra, `[metrics]\naddress = node:${METRICS_PORT}\n`)
let c: Cluster
t.before(async () => { c = await startCluster(join(dir, 'cluster'), 2, 4432, undefined, extra) })
t.teardown(() => { c?.stop(); rmSync(dir, { recursive: true, force: true }) })

const scrape = async (pnn: number): Promise<string> => {
  const r = await fetch(`http://${c.nodes[pnn].address}:${METRICS_PORT}/metrics`)
  if (r.status !== 200) throw new Error(`scrape of node ${pnn}: HTTP ${r.status}`)
  return await r.text()
}
const value = (text: string, series: string): number | null => {
  const line = text.split('\n').find(l => l.startsWith(series + ' '))
  return line === undefined ? null : Number(line.slice(series.length + 1))
}

t.test('every node serves /metrics with node flags, the leader, recoveries and event runs', async t => {
  const s = await c.waitFor('a healthy cluster', async () => await healthyFrom(c, 0, [0, 1]), 30_000)
  for (const pnn of [0, 1]) {
    const text = await c.waitFor(`node ${pnn} counted a monitor run`, async () => {
      const x = await scrape(pnn)
      return /corral_event_runs_total\{component="legacy",event="monitor",state="OK"\} [1-9]/.test(x) ? x : null
    }, 20_000)
    t.equal(value(text, 'corral_node_flags{pnn="0"}'), 0, `node ${pnn} sees node 0 healthy`)
    t.equal(value(text, 'corral_node_flags{pnn="1"}'), 0, `node ${pnn} sees node 1 healthy`)
    t.equal(value(text, 'corral_node_pnn'), pnn)
    t.equal(value(text, 'corral_leader_pnn'), s.leader)
    t.ok((value(text, 'corral_recoveries_total') ?? 0) >= 1, 'at least one recovery')
    t.ok((value(text, 'corral_generation') ?? 0) !== 0, 'a generation')
    t.match(text, /corral_event_runs_total\{component="legacy",event="startup",state="OK"\} 1/)
    t.match(text, /corral_event_run_duration_seconds_count\{component="legacy",event="monitor"\} \d+/)
    t.match(text, /corral_public_addresses_held \d+/)
    t.match(text, /process_resident_memory_bytes \d+/)
  }
  const leaderText = await scrape(s.leader)
  t.match(leaderText, /corral_recovery_duration_seconds_count [1-9]/, 'the leader observed its recoveries')
  t.equal((await fetch(`http://${c.nodes[0].address}:${METRICS_PORT}/`)).status, 404)
})

t.test('a non-loopback metrics address is refused at config load, naming the key', async t => {
  const conf = join(dir, 'bad.conf')
  writeFileSync(conf, '[metrics]\naddress = 0.0.0.0:9100\n')
  const r = spawnSync(process.execPath, [join(packageRoot(), 'dist', 'bin', 'corrald.js'), '--config', conf], { encoding: 'utf8', timeout: 20_000, env: { ...process.env, NODE_OPTIONS: '' } })
  t.not(r.status, 0)
  t.match(r.stderr, /\[metrics\] address/)
  t.match(r.stderr, /not a loopback address/)
})
