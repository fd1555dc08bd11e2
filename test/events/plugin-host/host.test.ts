import t from 'tap'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createPluginHost } from '../../../engine/events/plugin-host/index.js'
import type { PluginRunRequest } from '../../../engine/events/types.js'
import { alive } from '../fixtures/tree.js'

const dir = mkdtempSync(join(tmpdir(), 'corral-plugins-'))
const quiet = { error () {}, warn () {}, info () {}, debug () {} }
const host = createPluginHost({ log: quiet, killGraceMs: 300 })
t.teardown(async () => { await host.close(); rmSync(dir, { recursive: true, force: true }) })

const API = new URL('../../../engine/events/plugin-api.ts', import.meta.url).pathname
function plugin (file: string, body: string): string {
  const path = join(dir, file)
  writeFileSync(path, `import { definePlugin } from '${API}'\n${body}\n`)
  return path
}
const req = (path: string, over: Partial<PluginRunRequest> = {}): PluginRunRequest => ({
  component: 'c1', name: '10.p', path, event: 'monitor', args: [], deadline: Date.now() + 15_000, options: {}, generation: 0, ...over,
})

t.test('a monitor handler runs and its log lines are the output', async t => {
  const p = plugin('ok.plugin.ts', `export default definePlugin({ name: 'ok', events: { async monitor (ctx) { ctx.log.info('all good on %s', ctx.component) } } })`)
  const r = await host.run(req(p))
  t.equal(r.state, 'OK', r.reason)
  t.equal(r.kind, 'plugin')
  t.equal(r.output, 'all good on c1\n')
})

t.test('a warm host runs a plugin in milliseconds', async t => {
  const p = plugin('fast.plugin.ts', `export default definePlugin({ name: 'fast', events: { monitor () {} } })`)
  await host.run(req(p))
  const t0 = performance.now()
  for (let i = 0; i < 10; i++) t.equal((await host.run(req(p))).state, 'OK')
  t.ok(performance.now() - t0 < 500, `10 warm runs took ${(performance.now() - t0).toFixed(1)} ms`)
})

t.test('takeip gets typed arguments, options and the generation', async t => {
  const p = plugin('take.plugin.ts', `export default definePlugin({ name: 't', events: { takeip (ctx, a) { ctx.log.info(JSON.stringify({ ...a, type: typeof a.maskbits, port: ctx.options.PORT, gen: ctx.generation })) } } })`)
  const r = await host.run(req(p, { event: 'takeip', args: ['eth0', '192.0.2.7', '24'], options: { PORT: '445' }, generation: 42 }))
  t.same(JSON.parse(r.output), { iface: 'eth0', ip: '192.0.2.7', maskbits: 24, type: 'number', port: '445', gen: 42 })
})

t.test('throwing, returning a failure or a bad value is an ERROR result', async t => {
  const a = plugin('throw.plugin.ts', `export default definePlugin({ name: 'x', events: { monitor () { throw new Error('smbd is not running') } } })`)
  const b = plugin('fail.plugin.ts', `export default definePlugin({ name: 'x', events: { monitor: () => ({ ok: false, reason: 'port 445 closed' }) } })`)
  const c = plugin('bad.plugin.ts', `export default definePlugin({ name: 'x', events: { monitor: () => 42 as never } })`)
  const d = plugin('deg.plugin.ts', `export default definePlugin({ name: 'x', events: { monitor: () => ({ status: 'degraded', reason: 'slow disk' }) } })`)
  t.match(await host.run(req(a)), { state: 'ERROR', reason: 'smbd is not running' })
  t.match(await host.run(req(b)), { state: 'ERROR', reason: 'port 445 closed' })
  t.match(await host.run(req(c)), { state: 'ERROR', reason: /CORRAL_E_PLUGIN_RESULT/ })
  t.match(await host.run(req(d)), { state: 'OK', reason: 'DEGRADED: slow disk' })
})

t.test('a plugin without a handler for the event is OK', async t => {
  const p = plugin('none.plugin.ts', `export default definePlugin({ name: 'n', events: {} })`)
  t.match(await host.run(req(p, { event: 'startup' })), { state: 'OK', reason: 'no handler for startup' })
})

t.test('a module that does not load cannot run, naming the file', async t => {
  const p = join(dir, 'broken.plugin.ts')
  writeFileSync(p, 'export default definePlugin({ name: \n')
  const r = await host.run(req(p))
  t.equal(r.state, 'CANNOT_RUN')
  t.match(r.reason, /CORRAL_E_PLUGIN_LOAD: cannot load .*broken\.plugin\.ts/)
  const q = plugin('noexport.plugin.ts', 'export const x = 1')
  t.match(await host.run(req(q)), { state: 'CANNOT_RUN', reason: /does not export default definePlugin/ })
})

t.test('a busy loop times out and the next run works', async t => {
  const loop = plugin('loop.plugin.ts', `export default definePlugin({ name: 'l', events: { monitor () { for (;;) {} } } })`)
  const ok = plugin('ok2.plugin.ts', `export default definePlugin({ name: 'ok', events: { monitor () {} } })`)
  const t0 = Date.now()
  const r = await host.run(req(loop, { component: 'loopy', deadline: Date.now() + 800 }))
  t.equal(r.state, 'TIMEDOUT')
  t.ok(Date.now() - t0 < 2000)
  t.equal((await host.run(req(ok, { component: 'loopy' }))).state, 'OK')
})

t.test('processes a plugin started die with its deadline, even ones ignoring SIGTERM', async t => {
  const pids = join(dir, 'pids')
  const p = plugin('spawn.plugin.ts', `export default definePlugin({ name: 's', events: { async monitor (ctx) {
    ctx.$\`sh -c 'echo $$ >> ${pids}; exec sleep 300'\`.catch(() => {})
    ctx.$\`sh -c 'trap "" TERM; echo $$ >> ${pids}; sleep 300; true'\`.catch(() => {})
    await new Promise(() => {})
  } } })`)
  const r = await host.run(req(p, { component: 'spawner', deadline: Date.now() + 1500 }))
  t.equal(r.state, 'TIMEDOUT')
  const listed = readFileSync(pids, 'utf8').trim().split('\n').map(Number)
  t.equal(listed.length, 2)
  const end = Date.now() + 5000
  while (Date.now() < end && listed.some(alive)) await new Promise(resolve => setTimeout(resolve, 50))
  t.same(listed.filter(alive), [], 'every process the plugin started is gone')
})

t.test('process.exit in a plugin is an ERROR and the next run works', async t => {
  const p = plugin('exit.plugin.ts', `export default definePlugin({ name: 'e', events: { monitor () { process.exit(3) } } })`)
  const ok = plugin('ok3.plugin.ts', `export default definePlugin({ name: 'ok', events: { monitor () {} } })`)
  t.match(await host.run(req(p, { component: 'exiter' })), { state: 'ERROR', reason: /plugin host exited \(code 3\)/ })
  t.equal((await host.run(req(ok, { component: 'exiter' }))).state, 'OK')
})

t.test('cancel ends the run as CANCELLED at once', async t => {
  const p = plugin('slow.plugin.ts', `export default definePlugin({ name: 's', events: { monitor: () => new Promise(() => {}) } })`)
  const running = host.run(req(p, { component: 'cancelme' }))
  await new Promise(resolve => setTimeout(resolve, 300))
  host.cancel('cancelme')
  t.equal((await running).state, 'CANCELLED')
})

t.test('hosts of two components run concurrently', async t => {
  const p = plugin('sleep.plugin.ts', `export default definePlugin({ name: 's', events: { monitor: () => new Promise<void>(r => setTimeout(r, 700)) } })`)
  await Promise.all([host.run(req(p, { component: 'pa' })), host.run(req(p, { component: 'pb' }))])
  const t0 = Date.now()
  const [a, b] = await Promise.all([host.run(req(p, { component: 'pa' })), host.run(req(p, { component: 'pb' }))])
  t.equal(a.state, 'OK')
  t.equal(b.state, 'OK')
  t.ok(Date.now() - t0 < 1300, `took ${Date.now() - t0} ms`)
})
