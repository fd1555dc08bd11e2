import t from 'tap'
import { spawn } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { tsxImportUrl } from '../../../engine/events/process.js'
import { alive, bed, GRACE_MS, readPids, waitGone } from './fixtures/index.js'

const b = bed(t)
const ok = b.plugin('ok.plugin.ts', `export default definePlugin({ name: 'ok', events: { monitor (ctx) { ctx.log.info('fine') } } })`)

t.test('an async hang is TIMEDOUT near the deadline and keeps the lines logged before it', async t => {
  const p = b.plugin('hang.plugin.ts', `export default definePlugin({ name: 'h', events: { async monitor (ctx) {
    ctx.log.info('checking smbd'); await new Promise(() => {})
  } } })`)
  await b.host.warm('hang')
  const deadline = Date.now() + 600
  const r = await b.host.run(b.req(p, { component: 'hang', deadline }))
  const late = Date.now() - deadline
  t.match(r, { state: 'TIMEDOUT', exitCode: null, reason: /^timed out after \d+ ms$/ })
  t.equal(r.output, 'checking smbd\n')
  t.ok(late >= 0 && late < 750, `result ${late} ms after the deadline (generous: CI runs two test files at once)`)
})

t.test('a while(true) loop is TIMEDOUT and the next run works', async t => {
  const p = b.plugin('loop.plugin.ts', `export default definePlugin({ name: 'l', events: { monitor () { while (true) {} } } })`)
  await b.host.warm('loopy')
  const pid = b.host.hostPid('loopy')
  const deadline = Date.now() + 500
  const r = await b.host.run(b.req(p, { component: 'loopy', deadline }))
  t.equal(r.state, 'TIMEDOUT')
  t.ok(Date.now() - deadline < 750, 'the result does not wait for the looping host (generous bound for a loaded CI)')
  t.same(await waitGone([pid!], GRACE_MS + 1000), [], 'the looping host is killed after the grace')
  t.match(await b.host.run(b.req(ok, { component: 'loopy' })), { state: 'OK', output: 'fine\n' })
  t.not(b.host.hostPid('loopy'), pid, 'a fresh host ran it')
})

t.test('at the deadline every process a plugin started is gone after the grace, even ones ignoring SIGTERM', async t => {
  const pids = join(b.dir, 'deadline.pids')
  const p = b.plugin('spawn.plugin.ts', `export default definePlugin({ name: 's', events: { async monitor (ctx) {
    ctx.$\`sh -c 'echo $$ >> ${pids}; exec sleep 1000'\`.catch(() => {})
    ctx.$\`sh -c 'trap "" TERM; echo $$ >> ${pids}; while :; do sleep 1; done'\`.catch(() => {})
    ctx.$\`setsid sh -c 'echo $$ >> ${pids}; exec sleep 1000'\`.catch(() => {})
    await new Promise(() => {})
  } } })`)
  await b.host.run(b.req(ok, { component: 'spawner' }))
  const deadline = Date.now() + 2500
  const r = await b.host.run(b.req(p, { component: 'spawner', deadline }))
  t.equal(r.state, 'TIMEDOUT')
  const listed = await readPids(pids, 3)
  t.equal(listed.length, 3, 'the plugin started three processes')
  t.same(await waitGone(listed, GRACE_MS + 500), [], `gone within ${GRACE_MS} ms grace + 500 ms`)
  t.equal((await b.host.run(b.req(ok, { component: 'spawner' }))).state, 'OK')
})

t.test('cancel(component) is CANCELLED at once and kills what the plugin started', async t => {
  const pids = join(b.dir, 'cancel.pids')
  const p = b.plugin('slow.plugin.ts', `export default definePlugin({ name: 's', events: { async monitor (ctx) {
    await ctx.$\`sh -c 'echo $$ >> ${pids}; exec sleep 1000'\`
  } } })`)
  const running = b.host.run(b.req(p, { component: 'cancelme' }))
  const [pid] = await readPids(pids, 1)
  const t0 = Date.now()
  b.host.cancel('cancelme')
  const r = await running
  t.match(r, { state: 'CANCELLED', reason: 'monitor cancelled by another event' })
  t.ok(Date.now() - t0 < 50, 'the result does not wait for the kill')
  t.same(await waitGone([pid], GRACE_MS + 500), [])
  t.equal((await b.host.run(b.req(ok, { component: 'cancelme' }))).state, 'OK')
})

t.test('process.exit(3) in a plugin is ERROR and the next run works', async t => {
  const p = b.plugin('exit.plugin.ts', `export default definePlugin({ name: 'e', events: { monitor () { process.exit(3) } } })`)
  t.match(await b.host.run(b.req(p, { component: 'exiter' })), { state: 'ERROR', exitCode: 3, reason: /^plugin host exited \(code 3\)/ })
  t.equal((await b.host.run(b.req(ok, { component: 'exiter' }))).state, 'OK')
})

t.test('an exception thrown later from a timer ends the run as ERROR and the next run works', async t => {
  const p = b.plugin('timer.plugin.ts', `export default definePlugin({ name: 'e', events: { monitor () {
    return new Promise(() => { setTimeout(() => { throw new Error('boom in a timer') }, 10) })
  } } })`)
  const r = await b.host.run(b.req(p, { component: 'thrower' }))
  t.match(r, { state: 'ERROR', reason: /^plugin host exited \(code 1\)/ })
  t.match(r.output, /boom in a timer/)
  t.equal((await b.host.run(b.req(ok, { component: 'thrower' }))).state, 'OK')
})

t.test('two components\' hosts run concurrently; one component\'s runs are serialised', async t => {
  const p = b.plugin('sleep.plugin.ts', `export default definePlugin({ name: 's', events: { monitor: () => new Promise<void>(r => setTimeout(r, 500)) } })`)
  const quick = b.plugin('quick.plugin.ts', `export default definePlugin({ name: 'q', events: { monitor () {} } })`)
  // Warm both hosts and their module caches: this test is about concurrency, not the first import.
  await Promise.all([b.host.run(b.req(quick, { component: 'pa' })), b.host.run(b.req(quick, { component: 'pb' }))])
  t.not(b.host.hostPid('pa'), b.host.hostPid('pb'))
  let t0 = Date.now()
  const [x, y] = await Promise.all([b.host.run(b.req(p, { component: 'pa' })), b.host.run(b.req(p, { component: 'pb' }))])
  t.equal(x.state, 'OK')
  t.equal(y.state, 'OK')
  t.ok(Date.now() - t0 < 900, `two components took ${Date.now() - t0} ms together`)
  t0 = Date.now()
  await Promise.all([b.host.run(b.req(p, { component: 'pa' })), b.host.run(b.req(p, { component: 'pa' }))])
  t.ok(Date.now() - t0 >= 1000, `two runs of one component took ${Date.now() - t0} ms`)
})

t.test('a looping host whose daemon was SIGKILLed kills itself', async t => {
  const loop = b.plugin('loop2.plugin.ts', `export default definePlugin({ name: 'l', events: { monitor () { while (true) {} } } })`)
  const daemon = join(b.dir, 'daemon.mts')
  const hostModule = new URL('../../../engine/events/plugin-host/index.ts', import.meta.url).pathname
  writeFileSync(daemon, `import { createPluginHost } from '${hostModule}'
const q = { error () {}, warn () {}, info () {}, debug () {} }
const h = createPluginHost({ log: q, watchdogMs: 200 })
await h.warm('x')
process.stdout.write(String(h.hostPid('x')) + '\\n')
void h.run({ component: 'x', name: '10.l', path: '${loop}', event: 'monitor', args: [], deadline: Date.now() + 60_000, options: {}, generation: 0 })
setInterval(() => {}, 1000)
`)
  const child = spawn(process.execPath, ['--import', tsxImportUrl(), daemon], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, NODE_OPTIONS: '' } })
  t.teardown(() => { child.kill('SIGKILL') })
  const pid = await new Promise<number>((resolve, reject) => {
    child.stdout.once('data', (d: Buffer) => { resolve(Number(d.toString().trim())) })
    child.once('exit', code => { reject(new Error(`the fake daemon exited (code ${code})`)) })
  })
  await new Promise(resolve => setTimeout(resolve, 300))
  t.ok(alive(pid), 'the host is looping')
  child.kill('SIGKILL')
  t.same(await waitGone([pid], 2000), [], 'the orphaned host is gone')
})
