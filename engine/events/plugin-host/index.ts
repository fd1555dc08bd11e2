// Public API of the plugin host: runs typed plugins in one long-lived process per component.
// A plugin that hangs, loops, throws or exits costs only its own run: at the deadline (or on
// cancel) the run is TIMEDOUT (CANCELLED) at once and the host's whole process group, with
// everything the plugin started, is killed; the next run starts a fresh host.
import { KILL_GRACE_MS, PLUGIN_HOST_WATCHDOG_MS, SCRIPT_OUTPUT_CAP_BYTES } from '../../config/defaults.js'
import { CorralError } from '../../errors/index.js'
import { EVENT_ARG_NAMES, type PluginRunner, type PluginRunRequest, type ScriptResult, type ScriptState } from '../types.js'
import { Capture } from './capture.js'
import { HostProcess } from './host-process.js'
import type { HostMessage, RunMessage } from './messages.js'

export { hostMainPath } from './host-process.js'
export { verdictOf } from './verdict.js'

/** A pino-compatible logger (the daemon's child logger for the plugin host). */
export interface PluginHostLog {
  error (obj: object, msg: string): void
  warn (obj: object, msg: string): void
  info (obj: object, msg: string): void
  debug (obj: object, msg: string): void
}

export interface PluginHostOptions {
  log: PluginHostLog
  /** Output kept per plugin run. @default SCRIPT_OUTPUT_CAP_BYTES (64 KiB) */
  outputCapBytes?: number
  /** SIGTERM → SIGKILL grace when a host is killed. @default KILL_GRACE_MS (1000 ms) */
  killGraceMs?: number
  /** How often an orphaned host checks that the daemon is still there. @default PLUGIN_HOST_WATCHDOG_MS */
  watchdogMs?: number
  /** Components whose hosts start at once instead of on first use. */
  prewarm?: string[]
}

export interface PluginHost extends PluginRunner {
  /** Start the component's host now (if it is not running) and wait until it is ready. */
  warm (component: string): Promise<void>
  /** PID of the component's host process (also its process group), or null when none runs. */
  hostPid (component: string): number | null
}

interface Active {
  id: number
  req: PluginRunRequest
  startedAt: number
  output: Capture
  timer: NodeJS.Timeout | undefined
  finish (state: ScriptState, reason: string, extra?: { exitCode?: number | null, signal?: string | null, truncated?: boolean }): void
}

interface Slot {
  host: HostProcess
  active: Active | null
}

function positiveInt (name: string, v: number | undefined, dflt: number): number {
  if (v === undefined) return dflt
  if (!Number.isInteger(v) || v < 0) throw new CorralError('CORRAL_E_CONFIG_VALUE', `Expected the \`${name}\` option to be a non-negative integer, got \`${String(v)}\` (${typeof v})`)
  return v
}

// Why: CTDB's positional strings become the typed argument object a handler gets (maskbits a number).
export function typedArgs (req: Pick<PluginRunRequest, 'event' | 'args'>): Record<string, string | number> {
  const names = EVENT_ARG_NAMES[req.event] as readonly string[]
  const out: Record<string, string | number> = {}
  names.forEach((n, i) => { out[n] = n === 'maskbits' ? Number(req.args[i]) : req.args[i] ?? '' })
  return out
}

// Why: the event runner hands plugin entries here; the daemon makes one of these at start.
export function createPluginHost (o: PluginHostOptions): PluginHost {
  const cap = positiveInt('outputCapBytes', o.outputCapBytes, SCRIPT_OUTPUT_CAP_BYTES)
  const grace = positiveInt('killGraceMs', o.killGraceMs, KILL_GRACE_MS)
  const watchdogMs = positiveInt('watchdogMs', o.watchdogMs, PLUGIN_HOST_WATCHDOG_MS)
  const slots = new Map<string, Slot>()
  /** Runs of one component are serialised here even if a caller overlaps them. */
  const queues = new Map<string, Promise<unknown>>()
  let nextId = 1
  let closed = false

  const retire = (component: string, slot: Slot, why: string): void => {
    if (slots.get(component) === slot) slots.delete(component)
    o.log.debug({ component, pid: slot.host.pid }, `stopping plugin host: ${why}`)
    void slot.host.kill(grace).then(pids => {
      if (pids.length > 1) o.log.info({ component, pids }, `plugin host of ${component} and ${pids.length - 1} processes it started are gone`)
    })
  }

  const start = (component: string): Slot => {
    const slot: Slot = { host: undefined as unknown as HostProcess, active: null }
    slot.host = new HostProcess(component, watchdogMs, {
      message: (m: HostMessage) => {
        const a = slot.active
        if (a === null || m.type === 'ready' || m.id !== a.id) return
        if (m.type === 'output') { a.output.push(m.text); return }
        a.finish(m.state, m.reason, { exitCode: m.state === 'OK' || m.state === 'DEGRADED' ? 0 : m.state === 'ERROR' ? 1 : null, truncated: m.truncated })
      },
      raw: chunk => {
        if (slot.active !== null) slot.active.output.push(chunk)
        else o.log.debug({ component }, `plugin host output between runs: ${chunk.toString('utf8').trimEnd()}`)
      },
      exit: (code, signal) => {
        if (slots.get(component) === slot) slots.delete(component)
        const a = slot.active
        const how = code !== null ? `code ${code}` : `signal ${signal}`
        if (a !== null && !slot.host.isReady) a.finish('CANNOT_RUN', `CORRAL_E_PLUGIN_HOST: plugin host exited (${how}) before it was ready`, { exitCode: code, signal })
        else if (a !== null) a.finish('ERROR', `plugin host exited (${how}) while running ${a.req.name}`, { exitCode: code, signal })
        else if (!closed) o.log.debug({ component, code, signal }, `plugin host of ${component} exited (${how})`)
        // Whatever the plugin started must not outlive its host.
        void slot.host.kill(grace)
      },
    })
    slots.set(component, slot)
    return slot
  }

  const slotFor = (component: string): Slot => slots.get(component) ?? start(component)

  const runNow = (req: PluginRunRequest): Promise<ScriptResult> => {
    const startedAt = Date.now()
    if (startedAt >= req.deadline) {
      return Promise.resolve({ name: req.name, kind: 'plugin', state: 'TIMEDOUT', exitCode: null, signal: null, startedAt, durationMs: 0, output: '', outputTruncated: false, reason: 'deadline passed before the plugin could start' })
    }
    const slot = slotFor(req.component)
    return new Promise<ScriptResult>(resolve => {
      const a: Active = {
        id: nextId++, req, startedAt, output: new Capture(cap), timer: undefined,
        finish (state, reason, extra = {}) {
          if (slot.active !== a) return
          slot.active = null
          clearTimeout(a.timer)
          if (extra.truncated === true) a.output.truncated = true
          resolve({
            name: req.name, kind: 'plugin', state, reason, startedAt, durationMs: Date.now() - startedAt,
            exitCode: extra.exitCode ?? null, signal: extra.signal ?? null, output: a.output.text(), outputTruncated: a.output.truncated,
          })
        },
      }
      slot.active = a
      a.timer = setTimeout(() => {
        a.finish('TIMEDOUT', `timed out after ${Date.now() - startedAt} ms`)
        o.log.error({ component: req.component, plugin: req.name, event: req.event }, `${req.name}: event ${req.event} timed out; killing its plugin host`)
        retire(req.component, slot, 'deadline')
      }, req.deadline - startedAt)
      slot.host.ready.then(() => {
        if (slot.active !== a) return
        const msg: RunMessage = {
          type: 'run', id: a.id, path: req.path, component: req.component, event: req.event, args: typedArgs(req),
          options: req.options, generation: req.generation, currentGeneration: req.currentGeneration ?? req.generation, deadline: req.deadline, outputCapBytes: cap,
        }
        slot.host.send(msg, err => { a.finish('ERROR', `CORRAL_E_PLUGIN_HOST: could not reach the plugin host: ${err.message}`) })
      }, (err: Error) => {
        a.finish('CANNOT_RUN', `CORRAL_E_PLUGIN_HOST: ${err.message}`)
        retire(req.component, slot, 'did not start')
      })
    })
  }

  const host: PluginHost = {
    run (req) {
      const prev = queues.get(req.component) ?? Promise.resolve()
      const next = prev.then(() => runNow(req))
      const tail = next.catch(() => {})
      queues.set(req.component, tail)
      void tail.then(() => { if (queues.get(req.component) === tail) queues.delete(req.component) })
      return next
    },
    cancel (component) {
      const slot = slots.get(component)
      if (slot === undefined || slot.active === null) return
      slot.active.finish('CANCELLED', `${slot.active.req.event} cancelled by another event`)
      retire(component, slot, 'cancelled')
    },
    async warm (component) {
      await slotFor(component).host.ready
    },
    hostPid (component) {
      return slots.get(component)?.host.pid ?? null
    },
    async close () {
      closed = true
      const all = [...slots.values()]
      slots.clear()
      for (const s of all) s.active?.finish('CANCELLED', 'plugin host closed')
      await Promise.all(all.map(s => s.host.kill(grace)))
    },
  }
  for (const c of o.prewarm ?? []) void host.warm(c).catch(() => {})
  return host
}
