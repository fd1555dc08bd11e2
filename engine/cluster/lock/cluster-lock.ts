// The daemon side of the cluster lock: runs the helper a `cluster lock` string selects, reads its
// one status character, and reports a held lock's loss. CTDB's cluster_mutex.c, with typed results.
import { spawn, type ChildProcess } from 'node:child_process'
import { performance } from 'node:perf_hooks'
import { CLUSTER_LOCK_LATENCY_WARN_MS, CLUSTER_LOCK_STDERR_CAP_BYTES, CLUSTER_LOCK_TAKE_TIMEOUT_MS, KILL_GRACE_MS } from '../../config/defaults.js'
import { CorralError } from '../../errors/index.js'
import { TypedEmitter, type Listener } from '../../transport/emitter.js'
import { parseLockConfig, type HelperCommand, type LockKind } from './config.js'
import { HELPER_CHAR, type ClusterLockEvents, type LockLogger, type LockStatus, type TakeResult } from './types.js'

export interface ClusterLockOptions {
  /** pino-compatible logger; helper stderr lines and slow takes go here. */
  logger?: LockLogger
  /** File helper: seconds between lock-file inode checks. @default 5 */
  recheckIntervalS?: number
  /** Takes slower than this are logged as warnings (tunable RecLockLatencyMs). @default 1000 */
  latencyWarnMs?: number
  /** Grace between SIGTERM and SIGKILL when stopping a helper. @default 1000 */
  killGraceMs?: number
}

export interface TakeOptions {
  /** Give up (status `timeout`) if the helper has not answered by then. @default 120000 */
  timeoutMs?: number
}

const sleepMs = (ms: number): Promise<void> => new Promise(resolve => setTimeout(resolve, ms))
const NOOP_LOGGER: LockLogger = { error () {}, warn () {}, info () {}, debug () {} }
const STATUS_OF: Record<string, LockStatus> = {
  [HELPER_CHAR.held]: 'held',
  [HELPER_CHAR.contended]: 'contended',
  [HELPER_CHAR.timeout]: 'timeout',
  [HELPER_CHAR.error]: 'error',
}

/** One node's handle on the cluster lock: take, hold, lose, release. */
export class ClusterLock {
  /** The `cluster lock` string, as `corral getreclock` prints it. */
  readonly config: string
  readonly kind: LockKind
  /** Latency of the last take, in ms (statistics: CTDB's reclock latency). */
  lastLatencyMs: number | undefined
  readonly #helper: HelperCommand
  readonly #log: LockLogger
  readonly #latencyWarnMs: number
  readonly #killGraceMs: number
  readonly #events: TypedEmitter<ClusterLockEvents>
  #child: ChildProcess | undefined
  #heldSince: number | undefined
  #taking: Promise<TakeResult> | undefined
  #releasing = false

  constructor (config: string, opts: ClusterLockOptions = {}) {
    this.config = config
    this.#helper = parseLockConfig(config, opts.recheckIntervalS === undefined ? {} : { recheckIntervalS: opts.recheckIntervalS })
    this.kind = this.#helper.kind
    this.#log = opts.logger ?? NOOP_LOGGER
    this.#latencyWarnMs = opts.latencyWarnMs ?? CLUSTER_LOCK_LATENCY_WARN_MS
    this.#killGraceMs = opts.killGraceMs ?? KILL_GRACE_MS
    this.#events = new TypedEmitter<ClusterLockEvents>((err, event) => this.#log.error({ err, event }, 'cluster lock listener threw'))
  }

  /** True while a helper has reported `0` and is still running. */
  get held (): boolean {
    return this.#heldSince !== undefined
  }

  /** Pid of the running helper, if any. */
  get helperPid (): number | undefined {
    return this.#child?.pid
  }

  // Why: leadership code reacts to a lost lock (`lock:lost`) without polling.
  on<K extends keyof ClusterLockEvents> (event: K, listener: Listener<ClusterLockEvents, K>): () => void {
    return this.#events.on(event, listener)
  }

  // Why: the election is a take; a node that already holds the lock keeps it (CTDB's stability rule).
  take (opts: TakeOptions = {}): Promise<TakeResult> {
    if (this.held) return Promise.resolve({ status: 'held', latencyMs: 0 })
    if (this.#taking !== undefined) return this.#taking
    const timeoutMs = opts.timeoutMs ?? CLUSTER_LOCK_TAKE_TIMEOUT_MS
    if (!(timeoutMs > 0)) throw new RangeError(`Expected timeoutMs > 0, got ${timeoutMs}`)
    this.#releasing = false
    this.#taking = this.#spawnAndRead(timeoutMs).finally(() => { this.#taking = undefined })
    return this.#taking
  }

  // Why: giving up leadership must free the lock before anyone else can take it: SIGTERM, then wait.
  async release (): Promise<void> {
    const child = this.#child
    if (child === undefined) return
    this.#releasing = true
    this.#heldSince = undefined
    await this.#stop(child)
    await this.#taking?.catch(() => {})
  }

  async #spawnAndRead (timeoutMs: number): Promise<TakeResult> {
    const t0 = performance.now()
    const h = this.#helper
    const env = { ...process.env }
    for (const [k, v] of Object.entries(h.env ?? {})) if (v === undefined) delete env[k]; else env[k] = v
    let child: ChildProcess
    try {
      // Own process group, so stopping a shell-script helper also stops what it started.
      child = spawn(h.file, h.args, { stdio: ['ignore', 'pipe', 'pipe'], env, detached: true })
    } catch (err) {
      return this.#finish({ status: 'error', latencyMs: performance.now() - t0, reason: `cannot run ${h.file}: ${(err as Error).message}` })
    }
    this.#child = child
    const stderr = this.#captureStderr(child)
    const closed = new Promise<void>(resolve => child.once('close', () => resolve()))
    child.once('close', () => { if (this.#child === child) this.#child = undefined })

    const answer = await new Promise<{ status: LockStatus, reason?: string }>(resolve => {
      const timer = setTimeout(() => resolve({ status: 'timeout', reason: `no answer from the helper within ${timeoutMs} ms` }), timeoutMs)
      const done = (a: { status: LockStatus, reason?: string }): void => { clearTimeout(timer); resolve(a) }
      child.once('error', err => done({ status: 'error', reason: `cannot run ${h.file}: ${err.message}` }))
      child.stdout!.once('data', (buf: Buffer) => {
        const c = buf.toString('latin1', 0, 1)
        const status = STATUS_OF[c]
        done(status === undefined ? { status: 'error', reason: `helper printed ${JSON.stringify(buf.toString('latin1', 0, 16))}, not 0/1/2/3` } : { status })
      })
      child.stdout!.once('end', () => done({ status: 'error', reason: 'helper exited without printing a status' }))
    })
    const latencyMs = performance.now() - t0

    if (answer.status === 'held' && !this.#releasing && child.exitCode === null && child.signalCode === null) {
      this.#heldSince = performance.now()
      // After `0`, any later output is ignored (CTDB's etcd helper repeats it); EOF or exit = lost.
      child.stdout!.on('data', () => {})
      // Report once the helper is gone (exit status and stderr complete); a helper that closes
      // stdout but lingers is stopped.
      // A grandchild may keep the pipes open after the helper exits: wait for them only briefly.
      child.once('exit', () => { void Promise.race([closed, sleepMs(200)]).then(() => this.#lost(child, stderr)) })
      child.stdout!.once('end', () => setTimeout(() => { if (child.exitCode === null && child.signalCode === null) void this.#stop(child) }, 200))
      return this.#finish({ status: 'held', latencyMs })
    }
    // Not held: make sure the helper is gone, then its stderr is complete and can be the reason.
    await this.#stop(child, closed)
    const status = answer.status === 'held' ? 'error' : answer.status
    const why = answer.status === 'held' ? (this.#releasing ? 'released while taking' : 'helper exited right after printing 0') : answer.reason
    const text = stderr().trim()
    const reason = [why, text].filter(s => s !== undefined && s !== '').join(': ')
    return this.#finish(reason === '' ? { status, latencyMs } : { status, latencyMs, reason })
  }

  #finish (r: TakeResult): TakeResult {
    this.lastLatencyMs = r.latencyMs
    const fields = { lock: this.config, status: r.status, latencyMs: Math.round(r.latencyMs), reason: r.reason }
    if (r.latencyMs > this.#latencyWarnMs) this.#log.warn(fields, 'cluster lock take was slow')
    else this.#log.debug(fields, 'cluster lock take')
    if (r.status === 'error' || r.status === 'timeout') this.#log.error(fields, `cluster lock take failed: ${r.status}`)
    return r
  }

  #lost (child: ChildProcess, stderr: () => string): void {
    if (this.#heldSince === undefined || this.#releasing) return
    const heldMs = performance.now() - this.#heldSince
    this.#heldSince = undefined
    void this.#stop(child) // the helper is gone; this stops what it may have left in its group
    const payload = { code: child.exitCode, signal: child.signalCode, reason: stderr().trim(), heldMs }
    this.#log.error({ lock: this.config, ...payload }, 'cluster lock lost')
    this.#events.emit('lock:lost', payload)
  }

  // Every stderr line goes to the log; the last few KiB are kept as the reason of a failure.
  #captureStderr (child: ChildProcess): () => string {
    let tail = ''
    let partial = ''
    child.stderr!.setEncoding('utf8').on('data', (s: string) => {
      tail = (tail + s).slice(-CLUSTER_LOCK_STDERR_CAP_BYTES)
      const lines = (partial + s).split('\n')
      partial = lines.pop() ?? ''
      for (const line of lines) if (line !== '') this.#log.warn({ lock: this.config, helperPid: child.pid }, line)
    })
    child.stderr!.once('end', () => { if (partial !== '') this.#log.warn({ lock: this.config, helperPid: child.pid }, partial) })
    return () => tail
  }

  // SIGTERM the helper's group, SIGKILL it after the grace delay, resolve once the helper is gone.
  async #stop (child: ChildProcess, exited?: Promise<void>): Promise<void> {
    const gone = exited ?? (child.exitCode !== null || child.signalCode !== null
      ? Promise.resolve()
      : new Promise<void>(resolve => child.once('exit', () => resolve())))
    const running = (): boolean => child.exitCode === null && child.signalCode === null
    // The whole group: what a shell-script helper started may outlive it and hold our pipes.
    const signal = (sig: NodeJS.Signals): void => {
      if (child.pid === undefined) return
      try { process.kill(-child.pid, sig) } catch { if (running()) try { child.kill(sig) } catch {} }
    }
    signal('SIGTERM')
    const timer = setTimeout(() => signal('SIGKILL'), this.#killGraceMs)
    await gone
    clearTimeout(timer)
  }
}

// Why: a config loader can reject a bad `cluster lock` string with the same rules the daemon uses.
export function validateLockConfig (value: string): void {
  try {
    parseLockConfig(value)
  } catch (err) {
    if (err instanceof CorralError) throw err
    throw new CorralError('CORRAL_E_CONFIG_VALUE', `cluster lock "${value}": ${(err as Error).message}`, { cause: err })
  }
}
