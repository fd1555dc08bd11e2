// Public API of the plugin host: runs typed plugins in one long-lived process per component.
// A plugin that hangs, loops, throws or exits costs only its own run: at the deadline the run is
// TIMEDOUT and the host's whole process group (with everything the plugin started) is killed;
// the next run starts a fresh host.
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { KILL_GRACE_MS, SCRIPT_OUTPUT_CAP_BYTES } from '../../config/defaults.js'
import { killProcessTree } from '../kill.js'
import { tsxImportUrl, type RunnerLog } from '../process.js'
import { EVENT_ARG_NAMES, type PluginRunner, type PluginRunRequest, type ScriptResult } from '../types.js'
import type { HostMessage, RunMessage } from './messages.js'

export interface PluginHostOptions {
  log: RunnerLog
  outputCapBytes?: number
  killGraceMs?: number
}

interface Pending {
  id: number
  req: PluginRunRequest
  startedAt: number
  timer: NodeJS.Timeout
  resolve: (r: ScriptResult) => void
}

interface Host {
  child: ChildProcess
  ready: Promise<void>
  pending: Pending | null
  output: string
}

function hostMainPath (): string {
  const here = dirname(fileURLToPath(import.meta.url))
  const js = join(here, 'host-main.js')
  return existsSync(js) ? js : join(here, 'host-main.ts')
}

// Why: the event runner hands plugin entries here; the daemon makes one of these at start.
export function createPluginHost (o: PluginHostOptions): PluginRunner & { warm (component: string): Promise<void> } {
  const hosts = new Map<string, Host>()
  const cap = o.outputCapBytes ?? SCRIPT_OUTPUT_CAP_BYTES
  const grace = o.killGraceMs ?? KILL_GRACE_MS
  let nextId = 1

  const settle = (h: Host, p: Pending, r: Omit<ScriptResult, 'name' | 'kind' | 'startedAt' | 'durationMs'>): void => {
    if (h.pending !== p) return
    h.pending = null
    clearTimeout(p.timer)
    p.resolve({ name: p.req.name, kind: 'plugin', startedAt: p.startedAt, durationMs: Date.now() - p.startedAt, ...r })
  }

  const drop = (component: string, h: Host, first: NodeJS.Signals): void => {
    if (hosts.get(component) === h) hosts.delete(component)
    if (h.child.pid !== undefined && h.child.exitCode === null) void killProcessTree(h.child.pid, first === 'SIGKILL' ? 0 : grace, { firstSignal: first })
  }

  const start = (component: string): Host => {
    const child = spawn(process.execPath, ['--import', tsxImportUrl(), hostMainPath()], {
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      env: { ...process.env, NODE_OPTIONS: '', CORRAL_COMPONENT: component },
    })
    const h: Host = { child, ready: Promise.resolve(), pending: null, output: '' }
    h.ready = new Promise((resolve, reject) => {
      child.once('message', (m: HostMessage) => { if (m.type === 'ready') resolve() })
      child.once('exit', code => reject(new Error(`plugin host exited (code ${code}) before it was ready`)))
      child.once('error', reject)
    })
    h.ready.catch(() => {})
    const collect = (c: Buffer): void => { if (h.pending !== null && h.output.length < cap) h.output += c.toString('utf8') }
    child.stdout?.on('data', collect)
    child.stderr?.on('data', collect)
    child.on('message', (m: HostMessage) => {
      const p = h.pending
      if (m.type !== 'result' || p === null || m.id !== p.id) return
      const output = (h.output + m.output).slice(0, cap)
      settle(h, p, { state: m.state, exitCode: m.state === 'OK' ? 0 : m.state === 'ERROR' ? 1 : null, signal: null, output, outputTruncated: m.outputTruncated || h.output.length + m.output.length > cap, reason: m.reason })
    })
    child.on('exit', (code, sig) => {
      if (hosts.get(component) === h) hosts.delete(component)
      const p = h.pending
      if (p !== null) settle(h, p, { state: 'ERROR', exitCode: code, signal: sig, output: h.output.slice(0, cap), outputTruncated: false, reason: `plugin host exited (${code !== null ? `code ${code}` : sig}) while running ${p.req.name}` })
    })
    hosts.set(component, h)
    return h
  }

  const hostFor = (component: string): Host => hosts.get(component) ?? start(component)

  return {
    async warm (component) {
      await hostFor(component).ready
    },
    async run (req) {
      const startedAt = Date.now()
      const base = { exitCode: null, signal: null, output: '', outputTruncated: false }
      if (startedAt >= req.deadline) return { name: req.name, kind: 'plugin', startedAt, durationMs: 0, state: 'TIMEDOUT', ...base, reason: 'deadline passed before the plugin could start' }
      const h = hostFor(req.component)
      return await new Promise<ScriptResult>(resolve => {
        const p: Pending = {
          id: nextId++, req, startedAt, resolve,
          timer: setTimeout(() => {
            settle(h, p, { state: 'TIMEDOUT', ...base, output: h.output.slice(0, cap), reason: `timed out after ${Date.now() - startedAt} ms` })
            o.log.error({ plugin: req.name, component: req.component }, `${req.name}: event ${req.event} timed out; killing its plugin host`)
            drop(req.component, h, 'SIGTERM')
          }, req.deadline - startedAt),
        }
        h.pending = p
        h.output = ''
        h.ready.then(() => {
          if (h.pending !== p) return
          const names = EVENT_ARG_NAMES[req.event] as readonly string[]
          const args: Record<string, string | number> = {}
          names.forEach((n, i) => { args[n] = n === 'maskbits' ? Number(req.args[i]) : req.args[i] })
          const msg: RunMessage = { type: 'run', id: p.id, path: req.path, name: req.name, component: req.component, event: req.event, args, options: req.options, generation: req.generation, deadline: req.deadline, outputCapBytes: cap }
          h.child.send(msg)
        }, (err: Error) => {
          settle(h, p, { state: 'CANNOT_RUN', ...base, reason: `CORRAL_E_PLUGIN_HOST: ${err.message}` })
        })
      })
    },
    cancel (component) {
      const h = hosts.get(component)
      if (h === undefined || h.pending === null) return
      settle(h, h.pending, { state: 'CANCELLED', exitCode: null, signal: null, output: h.output.slice(0, cap), outputTruncated: false, reason: 'monitor cancelled by another event' })
      drop(component, h, 'SIGKILL')
    },
    async close () {
      for (const [c, h] of [...hosts]) drop(c, h, 'SIGTERM')
    },
  }
}
