// CTDB's notification script: `SCRIPT STATE` for init, setup, startup, healthy and unhealthy,
// run one at a time in order, bounded in time and queue; failures and hangs are only logged.
import { spawn } from 'node:child_process'
import { killProcessTree } from '../events/kill.js'
import * as D from '../config/defaults.js'

/** The states CTDB's ctdbd passes to notify.sh (ctdb-semantics §4.10). */
export const NOTIFICATION_STATES = ['init', 'setup', 'startup', 'healthy', 'unhealthy'] as const
export type NotificationState = typeof NOTIFICATION_STATES[number]

export interface ScriptLog {
  error (o: object, m: string): void
  warn (o: object, m: string): void
  notice (o: object, m: string): void
  info (o: object, m: string): void
}

/** One finished run, as logged (and returned to tests). */
export interface ScriptRun { state: NotificationState, exitCode: number | null, signal: string | null, timedOut: boolean, durationMs: number, output: string }

const OUTPUT_CAP = 64 * 1024
const KILL_GRACE_MS = 1_000

export class NotificationScript {
  readonly #queue: NotificationState[] = []
  #running: Promise<void> | null = null
  #closed = false
  /** Runs finished, for status and tests. */
  readonly runs: ScriptRun[] = []

  constructor (readonly path: string | null, readonly log: ScriptLog, readonly timeoutMs = D.NOTIFICATION_SCRIPT_TIMEOUT_MS, readonly queueLimit = D.NOTIFICATION_SCRIPT_QUEUE) {}

  // Why: the daemon never waits for the script: states queue (bounded) and run in the background.
  notify (state: NotificationState): void {
    if (this.path === null || this.#closed) return
    if (this.#queue.length >= this.queueLimit) {
      const lost = this.#queue.shift()
      this.log.error({ state: lost }, `notification script: queue full (${this.queueLimit}); state ${lost ?? '?'} dropped`)
    }
    this.#queue.push(state)
    this.#running ??= this.#drain().finally(() => { this.#running = null })
  }

  /** Wait for queued states to finish (shutdown, tests). */
  async idle (): Promise<void> {
    while (this.#running !== null) await this.#running
  }

  async close (): Promise<void> {
    this.#closed = true
    this.#queue.length = 0
    await this.idle()
  }

  async #drain (): Promise<void> {
    for (let s = this.#queue.shift(); s !== undefined; s = this.#queue.shift()) {
      const r = await this.#run(s)
      this.runs.push(r)
      if (this.runs.length > 100) this.runs.shift()
    }
  }

  async #run (state: NotificationState): Promise<ScriptRun> {
    const path = this.path as string
    const t0 = Date.now()
    return await new Promise<ScriptRun>(resolve => {
      let output = ''
      let timedOut = false
      const child = spawn(path, [state], { stdio: ['ignore', 'pipe', 'pipe'], detached: true })
      const take = (c: Buffer): void => { if (output.length < OUTPUT_CAP) output += c.toString('utf8').slice(0, OUTPUT_CAP - output.length) }
      child.stdout.on('data', take)
      child.stderr.on('data', take)
      const timer = setTimeout(() => {
        timedOut = true
        // A grandchild holding the pipes open must not keep the queue waiting after the kill.
        const end = (): void => { child.stdout.destroy(); child.stderr.destroy(); finish(child.exitCode, child.signalCode) }
        if (child.pid !== undefined) void killProcessTree(child.pid, KILL_GRACE_MS).then(end, end)
        else end()
      }, this.timeoutMs)
      let settled = false
      const finish = (exitCode: number | null, signal: string | null, error?: string): void => {
        if (settled) return
        settled = true
        clearTimeout(timer)
        const r: ScriptRun = { state, exitCode, signal, timedOut, durationMs: Date.now() - t0, output: error ?? output }
        const text = r.output.trim()
        const o = { script: path, state, exitCode, signal, durationMs: r.durationMs, output: text === '' ? undefined : text }
        if (timedOut) this.log.error(o, `notification script ${path} ${state} timed out after ${this.timeoutMs} ms and was killed`)
        else if (error !== undefined) this.log.error(o, `notification script ${path} ${state}: cannot run it: ${error}`)
        else if (exitCode !== 0) this.log.warn(o, `notification script ${path} ${state} failed (${signal ?? `exit ${exitCode ?? '?'}`})${text === '' ? '' : `: ${text.split('\n').pop() ?? ''}`}`)
        else this.log.info(o, `notification script ${path} ${state} ok${text === '' ? '' : `: ${text.split('\n').pop() ?? ''}`}`)
        resolve(r)
      }
      child.on('error', err => finish(null, null, err.message))
      child.on('close', (code, signal) => finish(code, signal))
    })
  }
}
