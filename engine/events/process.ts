// Running one script: its own process group, CTDB's argv, stdout+stderr captured into one capped
// buffer, and a deadline after which it is reported TIMEDOUT and its whole tree is killed.
import { spawn } from 'node:child_process'
import { closeSync, openSync, readSync, unlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomUUID } from 'node:crypto'
import { createRequire } from 'node:module'
import { pathToFileURL } from 'node:url'
import { DEBUG_SCRIPT_TIMEOUT_MS } from '../config/defaults.js'
import { killProcessTree, RUN_TOKEN_ENV } from './kill.js'
import type { EntryRunner } from './discovery.js'
import type { ScriptResult } from './types.js'

/** The logger shape the runner accepts (pino-compatible). */
export interface RunnerLog {
  error (obj: object, msg: string): void
  warn (obj: object, msg: string): void
  info (obj: object, msg: string): void
  debug (obj: object, msg: string): void
}

export interface ScriptRun {
  name: string
  path: string
  runner: EntryRunner
  argv: string[]
  env: NodeJS.ProcessEnv
  /** Absolute deadline in ms since the epoch. */
  deadline: number
  outputCapBytes: number
  killGraceMs: number
  debugScript: string | null
  event: string
  log: RunnerLog
  /** Lets the runner cancel a monitor: kills the group with SIGKILL, result CANCELLED. */
  onStart?: (cancel: () => void) => void
}

let tsxLoader: string | undefined
// Why: `.ts` scripts run as `node --import tsx FILE` with corral's own tsx, wherever corral is installed.
export function tsxImportUrl (): string {
  tsxLoader ??= pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href
  return tsxLoader
}

/** Output collector with a byte cap (used for the debug script's pipes). */
class Capture {
  #chunks: Buffer[] = []
  #bytes = 0
  truncated = false
  constructor (readonly cap: number) {}
  push (chunk: Buffer): void {
    if (this.#bytes >= this.cap) { this.truncated = true; return }
    const room = this.cap - this.#bytes
    const part = chunk.length > room ? chunk.subarray(0, room) : chunk
    if (part.length < chunk.length) this.truncated = true
    this.#chunks.push(part)
    this.#bytes += part.length
  }
  text (): string { return Buffer.concat(this.#chunks).toString('utf8') }
}

// stdout and stderr share one unlinked temp file: output keeps its true interleaving (as CTDB's
// single pipe), a daemonised grandchild cannot hold the run open, and only `cap` bytes are ever read.
function openOutputFile (token: string): number {
  const path = join(tmpdir(), `corral-out-${token}`)
  const fd = openSync(path, 'w+', 0o600)
  unlinkSync(path)
  return fd
}

function readOutput (fd: number, cap: number): { output: string, outputTruncated: boolean } {
  const buf = Buffer.alloc(cap + 1)
  let n = 0
  for (;;) {
    const got = readSync(fd, buf, n, buf.length - n, n)
    if (got === 0 || n + got >= buf.length) { n += got; break }
    n += got
  }
  closeSync(fd)
  return { output: buf.subarray(0, Math.min(n, cap)).toString('utf8'), outputTruncated: n > cap }
}

// Why: a failed, hung or unstartable script is a result the runner records, never an exception.
export function runScript (r: ScriptRun): Promise<ScriptResult> {
  const startedAt = Date.now()
  const token = randomUUID()
  const base = { name: r.name, kind: 'script' as const, startedAt }
  if (startedAt >= r.deadline) {
    return Promise.resolve({ ...base, state: 'TIMEDOUT', exitCode: null, signal: null, durationMs: 0, output: '', outputTruncated: false, reason: 'deadline passed before the script could start' })
  }
  const [cmd, args] = r.runner === 'tsx' ? [process.execPath, ['--import', tsxImportUrl(), r.path, ...r.argv]] : [r.path, r.argv]
  // corral decides how .ts scripts load; loaders inherited through NODE_OPTIONS would fight tsx.
  const env = r.runner === 'tsx' ? { ...r.env, NODE_OPTIONS: '', [RUN_TOKEN_ENV]: token } : { ...r.env, [RUN_TOKEN_ENV]: token }
  const fd = openOutputFile(token)
  return new Promise(resolve => {
    let settled = false
    let cancelled = false
    const done = (res: ScriptResult): void => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      resolve(res)
    }
    const child = spawn(cmd, args, { detached: true, stdio: ['ignore', fd, fd], env, argv0: r.path })
    const finish = (base2: Omit<ScriptResult, 'output' | 'outputTruncated'>): void => {
      if (settled) return
      done({ ...base2, ...readOutput(fd, r.outputCapBytes) })
    }
    child.on('error', (err: NodeJS.ErrnoException) => {
      finish({ ...base, state: 'CANNOT_RUN', exitCode: null, signal: null, durationMs: Date.now() - startedAt, reason: `cannot run ${r.path}: ${err.code ?? ''} ${err.message}`.trim() })
    })
    child.on('exit', (code, sig) => {
      const durationMs = Date.now() - startedAt
      {
        if (cancelled) {
          finish({ ...base, state: 'CANCELLED', exitCode: null, signal: sig, durationMs, reason: 'monitor cancelled by another event' })
        } else if (code === 0) {
          finish({ ...base, state: 'OK', exitCode: 0, signal: null, durationMs, reason: '' })
        } else {
          finish({ ...base, state: 'ERROR', exitCode: code, signal: sig, durationMs, reason: code !== null ? `exit ${code}` : `killed by ${sig}` })
        }
      }
    })
    r.onStart?.(() => {
      if (settled || child.pid === undefined) return
      cancelled = true
      void killProcessTree(child.pid, 0, { token, firstSignal: 'SIGKILL' })
    })
    const timer = setTimeout(() => {
      const pid = child.pid
      const durationMs = Date.now() - startedAt
      finish({ ...base, state: 'TIMEDOUT', exitCode: null, signal: null, durationMs, reason: `timed out after ${durationMs} ms` })
      if (pid !== undefined) void debugThenKill(r, pid, token)
    }, Math.max(0, r.deadline - startedAt))
  })
}

// The hung script stays alive while the debug script looks at it (as CTDB), then the tree dies.
async function debugThenKill (r: ScriptRun, pid: number, token: string): Promise<void> {
  r.log.error({ script: r.name, pid, event: r.event }, `${r.name}: event ${r.event} timed out; killing pid ${pid} and its descendants`)
  if (r.debugScript !== null) {
    const out = await runDebugScript(r.debugScript, pid, r.event, r.env)
    for (const line of out.split('\n')) if (line !== '') r.log.error({ script: r.name }, `event_debug: ${line}`)
  }
  const killed = await killProcessTree(pid, r.killGraceMs, { token })
  r.log.info({ script: r.name, killed }, `${r.name}: killed ${killed.length} process(es)`)
}

function runDebugScript (script: string, pid: number, event: string, env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise(resolve => {
    const cap = new Capture(64 * 1024)
    const child = spawn(script, [String(pid), event], { detached: true, stdio: ['ignore', 'pipe', 'pipe'], env })
    child.stdout.on('data', (c: Buffer) => cap.push(c))
    child.stderr.on('data', (c: Buffer) => cap.push(c))
    const timer = setTimeout(() => { if (child.pid !== undefined) void killProcessTree(child.pid, 0, { firstSignal: 'SIGKILL' }) }, DEBUG_SCRIPT_TIMEOUT_MS)
    child.on('error', err => { clearTimeout(timer); resolve(`cannot run debug script ${script}: ${err.message}`) })
    child.on('close', () => { clearTimeout(timer); resolve(cap.text()) })
  })
}
