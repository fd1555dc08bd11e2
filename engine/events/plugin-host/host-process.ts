// One plugin host child process, seen from the daemon: spawned in its own process group with
// tsx registered, talking over Node's IPC channel, killed as a whole tree.
import { spawn, type ChildProcess } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { killProcessTree, RUN_TOKEN_ENV } from '../kill.js'
import { tsxImportUrl } from '../process.js'
import type { HostMessage, RunMessage } from './messages.js'

/** Environment variable naming the component a host serves (shows in `ps e`). */
export const HOST_COMPONENT_ENV = 'CORRAL_COMPONENT'
/** Environment variable carrying the watchdog interval to the host. */
export const HOST_WATCHDOG_ENV = 'CORRAL_PLUGIN_WATCHDOG_MS'

// Why: host-main.ts when running from source (tsx), the compiled host-main.js under dist/.
export function hostMainPath (): string {
  const js = fileURLToPath(new URL('./host-main.js', import.meta.url))
  return existsSync(js) ? js : fileURLToPath(new URL('./host-main.ts', import.meta.url))
}

export interface HostHandlers {
  message (m: HostMessage): void
  /** Bytes the host or its children wrote straight to fd 1 or 2. */
  raw (chunk: Buffer): void
  exit (code: number | null, signal: NodeJS.Signals | null): void
}

export class HostProcess {
  readonly child: ChildProcess
  /** Marks every process of this host, so daemonised grandchildren are found at kill time. */
  readonly token = randomUUID()
  readonly ready: Promise<void>
  exited = false
  /** True once the host said it is ready (tsx registered, zx loaded). */
  isReady = false
  #killing: Promise<number[]> | null = null

  constructor (readonly component: string, watchdogMs: number, h: HostHandlers) {
    this.child = spawn(process.execPath, ['--import', tsxImportUrl(), hostMainPath()], {
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      // corral decides how modules load; loaders inherited through NODE_OPTIONS would fight tsx.
      env: { ...process.env, NODE_OPTIONS: '', [HOST_COMPONENT_ENV]: component, [RUN_TOKEN_ENV]: this.token, [HOST_WATCHDOG_ENV]: String(watchdogMs) },
    })
    this.ready = new Promise((resolve, reject) => {
      this.child.on('message', (m: HostMessage) => { if (m?.type === 'ready') { this.isReady = true; resolve() } })
      this.child.once('exit', code => { reject(new Error(`plugin host exited (code ${code}) before it was ready`)) })
      this.child.once('error', reject)
    })
    this.ready.catch(() => {})
    // Always listen: a failed send or kill must never become an uncaught 'error' in the daemon.
    this.child.on('error', () => {})
    this.child.on('message', (m: HostMessage) => { h.message(m) })
    this.child.stdout?.on('data', h.raw)
    this.child.stderr?.on('data', h.raw)
    this.child.once('exit', (code, signal) => { this.exited = true; h.exit(code, signal) })
  }

  get pid (): number | undefined {
    return this.child.pid
  }

  // Why: a send to a host that just died must become a result, not a throw.
  send (m: RunMessage, onError: (err: Error) => void): void {
    if (!this.child.connected) { onError(new Error('plugin host is not connected')); return }
    this.child.send(m, err => { if (err !== null && err !== undefined) onError(err) })
  }

  // Why: at a deadline or cancel the host and everything its plugins started must go (SIGTERM, then SIGKILL).
  kill (graceMs: number): Promise<number[]> {
    const pid = this.child.pid
    if (pid === undefined) return Promise.resolve([])
    this.#killing ??= killProcessTree(pid, graceMs, { token: this.token })
    return this.#killing
  }
}
