import t from 'tap'
import { bed } from './fixtures/index.js'

const b = bed(t)

t.test('a plugin\'s monitor runs and returns OK with its log lines as output', async t => {
  const p = b.plugin('ok.plugin.ts', `export default definePlugin({ name: 'ok', events: { async monitor (ctx) {
    ctx.log.info('all good on %s', ctx.component)
    ctx.log.warn({ port: 445 }, 'slow answer')
  } } })`)
  const r = await b.host.run(b.req(p))
  t.match(r, { state: 'OK', kind: 'plugin', name: '10.p', exitCode: 0, reason: '', outputTruncated: false })
  t.equal(r.output, 'all good on c1\nWARNING: slow answer port=445\n')
  t.ok(r.startedAt > 0 && r.durationMs >= 0)
})

t.test('console output and ctx.log lines keep their order', async t => {
  const p = b.plugin('mixed.plugin.ts', `export default definePlugin({ name: 'm', events: { monitor (ctx) {
    console.log('one'); ctx.log.info('two'); process.stdout.write('three, no newline'); console.error(' four')
  } } })`)
  t.equal((await b.host.run(b.req(p))).output, 'one\ntwo\nthree, no newline four\n')
})

t.test('a warm host runs a plugin in milliseconds', async t => {
  const p = b.plugin('fast.plugin.ts', `export default definePlugin({ name: 'fast', events: { monitor () {} } })`)
  await b.host.run(b.req(p))
  const t0 = performance.now()
  for (let i = 0; i < 20; i++) t.equal((await b.host.run(b.req(p))).state, 'OK')
  const ms = performance.now() - t0
  t.ok(ms < 2000, `20 warm runs (a cold start alone is ~300 ms) took ${ms.toFixed(1)} ms`)
})

t.test('takeip arguments arrive typed as {iface, ip, maskbits: number}', async t => {
  const p = b.plugin('take.plugin.ts', `export default definePlugin({ name: 't', events: {
    takeip (ctx, a) { ctx.log.info(JSON.stringify({ ...a, type: typeof a.maskbits })) },
    updateip (ctx, a) { ctx.log.info(JSON.stringify(a)) },
  } })`)
  const r = await b.host.run(b.req(p, { event: 'takeip', args: ['eth0', '192.0.2.7', '24'] }))
  t.same(JSON.parse(r.output), { iface: 'eth0', ip: '192.0.2.7', maskbits: 24, type: 'number' })
  const u = await b.host.run(b.req(p, { event: 'updateip', args: ['eth0', 'eth1', '192.0.2.7', '24'] }))
  t.same(JSON.parse(u.output), { oldIface: 'eth0', newIface: 'eth1', ip: '192.0.2.7', maskbits: 24 })
})

t.test('ctx.options (over declared defaults), ctx.generation, ctx.event and ctx.component arrive', async t => {
  const p = b.plugin('ctx.plugin.ts', `export default definePlugin({
    name: 'c',
    options: { PORT: { description: 'p', default: '22' }, MODE: { description: 'm', default: 'fast' } },
    events: { async startup (ctx) {
      const env = (await ctx.$\`echo $PORT\`).stdout.trim()
      ctx.log.info(JSON.stringify({ opts: ctx.options, gen: ctx.generation, ev: ctx.event, comp: ctx.component, env }))
    } },
  })`)
  const r = await b.host.run(b.req(p, { event: 'startup', component: 'samba', options: { PORT: '445', EXTRA: 'x' }, generation: 42 }))
  t.equal(r.state, 'OK', r.reason)
  t.same(JSON.parse(r.output), { opts: { PORT: '445', MODE: 'fast', EXTRA: 'x' }, gen: 42, ev: 'startup', comp: 'samba', env: '445' })
})

t.test('throwing is ERROR with the message as the reason', async t => {
  const p = b.plugin('throw.plugin.ts', `export default definePlugin({ name: 'x', events: { async monitor () { throw new Error('smbd is not running') } } })`)
  t.match(await b.host.run(b.req(p)), { state: 'ERROR', exitCode: 1, reason: 'smbd is not running' })
})

t.test('a failing ctx.$ command is ERROR with its first line as reason and the rest in the output', async t => {
  const p = b.plugin('cmd.plugin.ts', `export default definePlugin({ name: 'x', events: { async monitor (ctx) { await ctx.$\`sh -c 'echo nope >&2; exit 3'\` } } })`)
  const r = await b.host.run(b.req(p))
  t.equal(r.state, 'ERROR')
  t.equal(r.reason, 'command failed with exit code 3: nope')
  t.equal(r.output, 'ERROR: nope\n')
})

t.test('{ok: false, reason} is ERROR with that reason', async t => {
  const p = b.plugin('fail.plugin.ts', `export default definePlugin({ name: 'x', events: { monitor: () => ({ ok: false, reason: 'port 445 closed' }) } })`)
  t.match(await b.host.run(b.req(p)), { state: 'ERROR', exitCode: 1, reason: 'port 445 closed' })
})

t.test('{status: degraded, reason} is DEGRADED with the reason recorded', async t => {
  const p = b.plugin('deg.plugin.ts', `export default definePlugin({ name: 'x', events: { monitor: () => ({ status: 'degraded', reason: 'slow disk' }) } })`)
  t.match(await b.host.run(b.req(p)), { state: 'DEGRADED', exitCode: 0, reason: 'slow disk' })
})

t.test('any other return value is ERROR naming CORRAL_E_PLUGIN_RESULT', async t => {
  const p = b.plugin('bad.plugin.ts', `export default definePlugin({ name: 'x', events: { monitor: () => 42 as never } })`)
  t.match(await b.host.run(b.req(p)), { state: 'ERROR', reason: /^CORRAL_E_PLUGIN_RESULT: handler returned 42/ })
})

t.test('a plugin without a handler for the event is OK: no handler for <event>', async t => {
  const p = b.plugin('none.plugin.ts', `export default definePlugin({ name: 'n', events: {} })`)
  t.match(await b.host.run(b.req(p, { event: 'startup' })), { state: 'OK', reason: 'no handler for startup' })
})

t.test('output past the cap is cut and marked truncated', async t => {
  const small = bed(t, { outputCapBytes: 100 })
  const p = small.plugin('chatty.plugin.ts', `export default definePlugin({ name: 'x', events: { monitor (ctx) { for (let i = 0; i < 1000; i++) ctx.log.info('line %d', i) } } })`)
  const r = await small.host.run(small.req(p))
  t.equal(r.state, 'OK')
  t.equal(Buffer.byteLength(r.output), 100)
  t.equal(r.outputTruncated, true)
})

t.test('a bad option value is refused when the host is made', async t => {
  const { createPluginHost } = await import('../../../engine/events/plugin-host/index.js')
  t.throws(() => createPluginHost({ log: { error () {}, warn () {}, info () {}, debug () {} }, killGraceMs: -1 }), { code: 'CORRAL_E_CONFIG_VALUE', message: /killGraceMs.*-1/ })
})

t.test('a promise rejected in the background is a warning in the output, not the end of the host', async t => {
  const p = b.plugin('bg.plugin.ts', `export default definePlugin({ name: 'x', events: { async monitor () {
    void Promise.reject(new Error('nobody awaited me'))
    await new Promise(r => setTimeout(r, 20))
  } } })`)
  const pid = (await b.host.run(b.req(p, { component: 'bg' })), b.host.hostPid('bg'))
  const r = await b.host.run(b.req(p, { component: 'bg' }))
  t.match(r, { state: 'OK', output: 'WARNING: unhandled rejection: nobody awaited me\n' })
  t.equal(b.host.hostPid('bg'), pid, 'the same host ran both')
})
