// The plugin host process: imports plugin modules once, runs one handler at a time for its
// component, streams the run's output and reports how it ended. The daemon kills the whole
// process group at a deadline or on cancel, so nothing here needs to survive a hung plugin.
import type { PluginContext } from '../plugin-api.js'
import { loadPlugin, PluginLoadError, registerApiResolution } from './load.js'
import type { HostMessage, ResultMessage, RunMessage } from './messages.js'
import { createPluginLog } from './plugin-log.js'
import { thrownVerdict, verdictOf } from './verdict.js'
import { startOrphanWatchdog } from './watchdog.js'

type Zx = typeof import('zx')
let zx: Zx | undefined
const zxReady: Promise<Zx> = import('zx').then(m => (zx = m))
zxReady.catch(() => {})

const send = (m: HostMessage): void => { process.send?.(m, undefined, undefined, () => {}) }

/** The run whose output console and process.stdout/stderr writes belong to (one at a time). */
let current: { id: number, left: number, truncated: boolean } | null = null

function emit (id: number, text: string): void {
  const run = current
  if (run === null || run.id !== id || text === '') return
  if (run.left <= 0) { run.truncated = true; return }
  const bytes = Buffer.byteLength(text)
  if (bytes > run.left) {
    run.truncated = true
    text = Buffer.from(text).subarray(0, run.left).toString('utf8')
  }
  run.left -= Math.min(bytes, run.left)
  send({ type: 'output', id, text })
}

// console.log and friends inside a plugin are output of the run, in order with ctx.log lines.
for (const stream of [process.stdout, process.stderr]) {
  const original = stream.write.bind(stream) as (chunk: unknown, ...rest: unknown[]) => boolean
  stream.write = ((chunk: unknown, ...rest: unknown[]): boolean => {
    if (current === null) return original(chunk, ...rest)
    emit(current.id, typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8'))
    const cb = rest.find(r => typeof r === 'function') as (() => void) | undefined
    if (cb !== undefined) process.nextTick(cb)
    return true
  }) as typeof stream.write
}

async function run (m: RunMessage): Promise<ResultMessage> {
  current = { id: m.id, left: m.outputCapBytes, truncated: false }
  const done = (state: ResultMessage['state'], reason: string): ResultMessage => {
    const truncated = current?.id === m.id && current.truncated
    return { type: 'result', id: m.id, state, reason, truncated }
  }
  const write = (line: string): void => { emit(m.id, line) }
  let plugin
  try {
    plugin = await loadPlugin(m.path)
  } catch (err) {
    const msg = err instanceof PluginLoadError ? err.message : `cannot load ${m.path}: ${String(err)}`
    return done('CANNOT_RUN', `CORRAL_E_PLUGIN_LOAD: ${msg}`)
  }
  const handler = (plugin.events as Record<string, ((...a: unknown[]) => unknown) | undefined>)[m.event]
  if (handler === undefined) return done('OK', `no handler for ${m.event}`)
  if (typeof handler !== 'function') return done('CANNOT_RUN', `CORRAL_E_PLUGIN_LOAD: ${m.path}: events.${m.event} is not a function`)
  const controller = new AbortController()
  const timer = setTimeout(() => { controller.abort(new Error(`deadline of ${m.event} reached`)) }, Math.max(0, m.deadline - Date.now()))
  try {
    const defaults: Record<string, string> = {}
    for (const [k, o] of Object.entries(plugin.options ?? {})) if (typeof o?.default === 'string') defaults[k] = o.default
    const options = Object.freeze({ ...defaults, ...m.options })
    const $ = (zx ?? await zxReady).$({
      signal: controller.signal,
      quiet: true,
      env: { ...process.env, ...options, CORRAL_COMPONENT: m.component, CORRAL_EVENT: m.event },
    })
    const ctx: PluginContext = {
      $, log: createPluginLog(write), signal: controller.signal, options, generation: m.generation, currentGeneration: m.currentGeneration ?? m.generation,
      event: m.event as PluginContext['event'], component: m.component,
    }
    const args = Object.keys(m.args).length === 0 ? [] : [Object.freeze(m.args)]
    const v = verdictOf(await handler.call(plugin.events, ctx, ...args))
    return done(v.state, v.reason)
  } catch (err) {
    const t = thrownVerdict(err)
    if (t.detail !== '') write(`ERROR: ${t.detail}\n`)
    return done('ERROR', t.reason)
  } finally {
    clearTimeout(timer)
  }
}

registerApiResolution()
process.on('message', (m: RunMessage) => {
  if (m?.type !== 'run') return
  void run(m).then(r => {
    send(r)
    if (current?.id === m.id) current = null
  })
})
// A host never outlives the channel to its daemon.
process.on('disconnect', () => process.exit(0))
// A rejection a plugin left behind (a promise nobody awaited) must not end the host.
process.on('unhandledRejection', err => { if (current !== null) emit(current.id, `WARNING: unhandled rejection: ${thrownVerdict(err).reason}\n`) })
// Ready once zx is loaded: every run builds ctx.$, so a warmed host pays nothing on its first run.
await zxReady.catch(() => {})
send({ type: 'ready' })
startOrphanWatchdog(Number(process.env.CORRAL_PLUGIN_WATCHDOG_MS ?? 1000))
