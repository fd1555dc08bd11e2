import t from 'tap'
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createEventRunner, formatStatus } from '../../engine/events/index.js'
import { createPluginHost } from '../../engine/events/plugin-host/index.js'
import { degradedReason } from '../../engine/services/index.js'
import { statusJson, statusText, type StatusSnapshot } from '../../engine/cluster/index.js'

// DEGRADED end to end through the real runner and plugin host: the run stays OK, the entry is
// DEGRADED with its reason, event status shows it, and status prints the node's reason.
const root = mkdtempSync(join(tmpdir(), 'corral-degraded-'))
const eventsDir = join(root, 'events.d')
mkdirSync(join(eventsDir, 'legacy'), { recursive: true })
const entry = (file: string, body: string): void => {
  const f = join(eventsDir, 'legacy', file)
  writeFileSync(f, body)
  chmodSync(f, 0o755)
}
entry('10.slow.plugin.ts', `import { definePlugin } from 'corral/plugin'
export default definePlugin({ name: 'slow', events: {
  monitor: () => ({ status: 'degraded', reason: 'disk 91% full' }),
  takeip: (ctx) => { console.log(JSON.stringify({ generation: ctx.generation, current: ctx.currentGeneration })) },
} })\n`)
entry('20.ok.script', '#!/bin/sh\nexit 0\n')
const host = createPluginHost({ log: { error () {}, warn () {}, info () {}, debug () {} } })
let current = 77
const runner = createEventRunner({ eventsDir, dataDir: null, configDir: root, pluginRunner: host, log: { error () {}, warn () {}, info () {}, debug () {} }, generation: () => current })
t.teardown(async () => { await runner.close(); await host.close(); rmSync(root, { recursive: true, force: true }) })

t.test('a degraded plugin leaves the run OK, is DEGRADED with its reason, and the next scripts still run', async t => {
  const r = await runner.run({ component: 'legacy', event: 'monitor' })
  t.equal(r.state, 'OK')
  t.match(r.scripts, [{ name: '10.slow', state: 'DEGRADED', reason: 'disk 91% full', exitCode: 0 }, { name: '20.ok', state: 'OK' }])
  t.equal(degradedReason(r), '10.slow: disk 91% full')
  const text = formatStatus(r)
  t.match(text, /^10\.slow {14}DEGRADED {3}\d+\.\d{3} .+\n {2}REASON: disk 91% full\n20\.ok/)
  t.notMatch(text, /OUTPUT/, 'no empty OUTPUT line for a warning')
  const last = await runner.status('legacy', 'monitor', 1)
  t.equal(last.history[0].scripts[0].state, 'DEGRADED', 'kept in the history')
})

t.test('a plugin sees the generation the request was issued at and the node\'s current one', async t => {
  const r = await runner.run({ component: 'legacy', event: 'takeip', args: ['eth0', '192.0.2.1', '24'], generation: 12 })
  t.same(JSON.parse(r.scripts[0].output), { generation: 12, current: 77 })
  const same = await runner.run({ component: 'legacy', event: 'takeip', args: ['eth0', '192.0.2.1', '24'] })
  t.same(JSON.parse(same.scripts[0].output), { generation: 77, current: 77 }, 'without one, the current generation')
  current = 78
})

t.test('status shows this node\'s DEGRADED reason in text and JSON, and nothing when there is none', async t => {
  const s: StatusSnapshot = { thisPnn: 1, nodes: [{ pnn: 0, address: '127.0.0.1', flags: 0 }, { pnn: 1, address: '127.0.0.2', flags: 0 }], generation: 5, recoveryMode: 0, leader: 0, runstate: 5, lockConfigured: true, services: { degradedReason: '10.slow: disk 91% full', degradedTotal: 3 } }
  t.match(statusText(s), /\nLeader:0\nServices:DEGRADED on node 1 \(10\.slow: disk 91% full\)\n$/)
  t.same(statusJson(s).services, { degraded: true, degraded_reason: '10.slow: disk 91% full', degraded_monitors: 3 })
  const fine = { ...s, services: { degradedReason: '', degradedTotal: 3 } }
  t.notMatch(statusText(fine), /Services/)
  t.same(statusJson(fine).services, { degraded: false, degraded_reason: null, degraded_monitors: 3 })
})
