import t from 'tap'
import { mkdirSync, utimesSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { bed } from './fixtures/index.js'

const b = bed(t)
const SAMPLE = new URL('../../../plugins/sample-monitor.plugin.ts', import.meta.url).pathname

t.test('a module with a syntax error is CANNOT_RUN naming the file, and the next run works', async t => {
  const p = join(b.dir, 'broken.plugin.ts')
  writeFileSync(p, 'export default definePlugin({ name: \n')
  const r = await b.host.run(b.req(p))
  t.equal(r.state, 'CANNOT_RUN')
  t.match(r.reason, /^CORRAL_E_PLUGIN_LOAD: cannot load .*\/broken\.plugin\.ts: /)
  const ok = b.plugin('ok.plugin.ts', `export default definePlugin({ name: 'ok', events: { monitor () {} } })`)
  t.equal((await b.host.run(b.req(ok))).state, 'OK')
})

t.test('a module without a definePlugin default export is CANNOT_RUN naming the file', async t => {
  const p = b.plugin('noexport.plugin.ts', 'export const x = 1')
  t.match(await b.host.run(b.req(p)), { state: 'CANNOT_RUN', reason: /^CORRAL_E_PLUGIN_LOAD: .*\/noexport\.plugin\.ts does not export default definePlugin/ })
  const q = b.plugin('plain.plugin.ts', `export default { name: 'plain', events: {} }`)
  t.match(await b.host.run(b.req(q)), { state: 'CANNOT_RUN', reason: /plain\.plugin\.ts does not export default definePlugin/ })
})

t.test('a module that throws while loading is CANNOT_RUN', async t => {
  const p = b.plugin('loadthrow.plugin.ts', `throw new Error('no config')\nexport default definePlugin({ name: 'x', events: {} })`)
  t.match(await b.host.run(b.req(p)), { state: 'CANNOT_RUN', reason: /loadthrow\.plugin\.ts: no config/ })
})

t.test('a missing file is CANNOT_RUN naming it', async t => {
  t.match(await b.host.run(b.req(join(b.dir, 'gone.plugin.ts'))), { state: 'CANNOT_RUN', reason: /gone\.plugin\.ts/ })
})

t.test('a module is imported once, and again when the file changes', async t => {
  const body = (v: number): string => `let n = 0\nexport default definePlugin({ name: 'v', events: { monitor (ctx) { ctx.log.info('v${v} run %d', ++n) } } })`
  const p = b.plugin('edit.plugin.ts', body(1))
  t.equal((await b.host.run(b.req(p))).output, 'v1 run 1\n')
  t.equal((await b.host.run(b.req(p))).output, 'v1 run 2\n', 'the module state survives: it was not imported again')
  b.plugin('edit.plugin.ts', body(2))
  utimesSync(p, new Date(), new Date(Date.now() + 5000))
  t.equal((await b.host.run(b.req(p))).output, 'v2 run 1\n', 'the edited file was imported again')
})

t.test("a plugin outside any package imports 'corral/plugin'", async t => {
  const p = join(b.dir, 'bare.plugin.ts')
  writeFileSync(p, `import { definePlugin } from 'corral/plugin'\nexport default definePlugin({ name: 'bare', events: { monitor (ctx) { ctx.log.info('cjs scope') } } })\n`)
  t.match(await b.host.run(b.req(p)), { state: 'OK', output: 'cjs scope\n' })
})

t.test("a plugin in an ESM package imports 'corral/plugin' too, as .ts, .js and .mjs", async t => {
  const dir = join(b.dir, 'esm')
  mkdirSync(dir)
  writeFileSync(join(dir, 'package.json'), '{ "type": "module" }\n')
  for (const ext of ['ts', 'js', 'mjs']) {
    const p = join(dir, `e-${ext}.plugin.${ext}`)
    writeFileSync(p, `import { definePlugin } from 'corral/plugin'\nexport default definePlugin({ name: 'e', events: { monitor (ctx) { ctx.log.info('${ext} ' + typeof import.meta.url) } } })\n`)
    t.match(await b.host.run(b.req(p)), { state: 'OK', output: `${ext} string\n` }, `.plugin.${ext}`)
  }
})

t.test('the sample monitor plugin fails on a closed port and passes on an open one', async t => {
  const { createServer } = await import('node:net')
  const srv = createServer(s => s.destroy())
  await new Promise<void>(resolve => srv.listen(0, '127.0.0.1', resolve))
  const port = (srv.address() as { port: number }).port
  t.match(await b.host.run(b.req(SAMPLE, { options: { PORT: String(port) } })), { state: 'OK', output: `127.0.0.1:${port} accepts connections\n` })
  await new Promise(resolve => srv.close(resolve))
  t.match(await b.host.run(b.req(SAMPLE, { options: { PORT: String(port) } })), { state: 'ERROR', reason: new RegExp(`nothing accepts connections on 127.0.0.1:${port}`) })
  t.match(await b.host.run(b.req(SAMPLE, { options: { PORT: 'x' } })), { state: 'ERROR', reason: "PORT must be 1-65535, got 'x'" })
})
