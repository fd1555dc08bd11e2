// The plugin host process: imports plugin modules once, runs one handler at a time for its
// component, and reports each outcome as a result. The daemon kills the whole process group at a
// deadline, so nothing here needs to survive a hung plugin.
import { stat } from 'node:fs/promises'
import { pathToFileURL } from 'node:url'
import { format } from 'node:util'
import type { PluginContext, PluginDefinition, PluginLog } from '../plugin-api.js'
import type { ResultMessage, RunMessage } from './messages.js'

const BRAND = Symbol.for('corral.plugin')
const modules = new Map<string, { mtimeMs: number, plugin: PluginDefinition }>()
let zx: typeof import('zx') | undefined

async function load (path: string): Promise<PluginDefinition> {
  const st = await stat(path)
  const cached = modules.get(path)
  if (cached !== undefined && cached.mtimeMs === st.mtimeMs) return cached.plugin
  const mod = await import(`${pathToFileURL(path).href}?mtime=${st.mtimeMs}`) as { default?: unknown }
  const p = mod.default as (PluginDefinition & { [BRAND]?: boolean }) | undefined
  if (p === undefined || typeof p !== 'object' || typeof p.name !== 'string' || typeof p.events !== 'object' || p.events === null) {
    throw new Error(`${path} does not export default definePlugin({ name, events })`)
  }
  modules.set(path, { mtimeMs: st.mtimeMs, plugin: p })
  return p
}

function verdict (value: unknown): { state: 'OK' | 'ERROR', reason: string } {
  if (value === undefined || value === null) return { state: 'OK', reason: '' }
  if (typeof value === 'object') {
    const v = value as { ok?: unknown, status?: unknown, reason?: unknown }
    const reason = typeof v.reason === 'string' ? v.reason : ''
    if (v.ok === false) return { state: 'ERROR', reason: reason === '' ? 'plugin reported failure' : reason }
    if (v.ok === true) return { state: 'OK', reason }
    if (v.status === 'ok') return { state: 'OK', reason }
    if (v.status === 'degraded') return { state: 'OK', reason: `DEGRADED: ${reason}` }
    if (v.status === 'failed') return { state: 'ERROR', reason: reason === '' ? 'plugin reported failure' : reason }
  }
  return { state: 'ERROR', reason: `CORRAL_E_PLUGIN_RESULT: handler returned ${format('%o', value).slice(0, 200)}; expected nothing, {ok:false, reason} or {status, reason}` }
}

async function run (m: RunMessage): Promise<ResultMessage> {
  let out = ''
  let truncated = false
  const append = (level: string, args: unknown[]): void => {
    const line = `${level === 'info' ? '' : `${level.toUpperCase()}: `}${format(...args)}\n`
    if (out.length + line.length > m.outputCapBytes) { truncated = true; out += line.slice(0, Math.max(0, m.outputCapBytes - out.length)); return }
    out += line
  }
  const log: PluginLog = {
    error: (...a: unknown[]) => append('error', a),
    warn: (...a: unknown[]) => append('warning', a),
    notice: (...a: unknown[]) => append('notice', a),
    info: (...a: unknown[]) => append('info', a),
    debug: (...a: unknown[]) => append('debug', a),
  } as PluginLog
  const result = (state: ResultMessage['state'], reason: string): ResultMessage => ({ type: 'result', id: m.id, state, reason, output: out, outputTruncated: truncated })
  let plugin: PluginDefinition
  try {
    plugin = await load(m.path)
  } catch (err) {
    return result('CANNOT_RUN', `CORRAL_E_PLUGIN_LOAD: cannot load ${m.path}: ${(err as Error).message.split('\n')[0]}`)
  }
  const handler = (plugin.events as Record<string, ((...a: unknown[]) => unknown) | undefined>)[m.event]
  if (typeof handler !== 'function') return result('OK', `no handler for ${m.event}`)
  const controller = new AbortController()
  const timer = setTimeout(() => controller.abort(new Error('deadline')), Math.max(0, m.deadline - Date.now()))
  try {
    const ctx = {
      log, signal: controller.signal, options: m.options, generation: m.generation,
      event: m.event, component: m.component,
    } as unknown as Record<string, unknown>
    let bound: unknown
    Object.defineProperty(ctx, '$', {
      get () {
        if (zx === undefined) throw new Error('ctx.$ is not ready (zx failed to load)')
        bound ??= zx.$({ signal: controller.signal, quiet: true })
        return bound
      },
    })
    zx ??= await import('zx')
    const args = Object.keys(m.args).length === 0 ? [] : [m.args]
    const v = verdict(await handler.call(plugin.events, ctx as unknown as PluginContext, ...args))
    return result(v.state, v.reason)
  } catch (err) {
    return result('ERROR', err instanceof Error ? err.message : String(err))
  } finally {
    clearTimeout(timer)
  }
}

process.on('message', (m: RunMessage) => {
  if (m?.type !== 'run') return
  void run(m).then(r => process.send?.(r))
})
// Exit with the daemon: a host never outlives the channel to its parent.
process.on('disconnect', () => process.exit(0))
// Load zx while idle so the first run does not pay for it.
void import('zx').then(m => { zx ??= m }, () => {})
process.send?.({ type: 'ready' })
