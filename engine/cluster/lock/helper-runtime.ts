// What every built-in helper does the same way: print its one status character, log to stderr,
// watch its parent, and release on SIGTERM (the helper side of the contract in types.ts).
import { CLUSTER_LOCK_PARENT_POLL_MS } from '../../config/defaults.js'
import { HELPER_CHAR, type LockStatus } from './types.js'

/** Environment variable the daemon may set to name the process to watch (else the parent). */
export const PARENT_PID_ENV = 'CORRAL_LOCK_PARENT_PID'

let reported = false

// Why: once the daemon is gone, writes to our pipes fail with EPIPE; that must not crash the
// helper before it has released the lock.
export function initHelper (): void {
  process.stdout.on('error', () => {})
  process.stderr.on('error', () => {})
}

// Why: the contract allows exactly one status character; stdout to a pipe is synchronous on Linux.
export function report (status: LockStatus): void {
  if (reported) return
  reported = true
  process.stdout.write(HELPER_CHAR[status])
}

// Why: stderr is merged into the daemon's log, so every line names the helper.
export function logErr (name: string, msg: string): void {
  process.stderr.write(`${name}: ${msg}\n`)
}

// Why: report a failure and end; after `0` this exit is what tells the daemon the lock is lost.
export function fail (name: string, status: 'contended' | 'timeout' | 'error', msg?: string): never {
  if (msg !== undefined) logErr(name, msg)
  report(status)
  process.exit(0)
}

/**
 * The pid whose death ends the helper. CTDB's helpers refuse to run when already orphaned (ppid 1):
 * waiting on init would hold the lock forever. A daemon that really is pid 1 (a container) names
 * itself in CORRAL_LOCK_PARENT_PID.
 */
export function parentToWatch (name: string): number {
  const declared = process.env[PARENT_PID_ENV]
  if (declared !== undefined && declared !== '') {
    const pid = Number(declared)
    if (!Number.isInteger(pid) || pid < 1) fail(name, 'error', `bad ${PARENT_PID_ENV}="${declared}"`)
    return pid
  }
  if (process.ppid === 1) fail(name, 'error', 'parent is already gone (PPID == 1)')
  return process.ppid
}

// Why: a helper must not outlive its daemon, or a dead leader would keep the lock.
export function watchParent (pid: number, onGone: () => void, intervalMs = CLUSTER_LOCK_PARENT_POLL_MS): () => void {
  const startPpid = process.ppid
  const timer = setInterval(() => {
    // Re-parenting (to init or a subreaper) is seen at once and is immune to pid reuse.
    if (pid === startPpid && process.ppid !== startPpid) return stop(onGone)
    try {
      process.kill(pid, 0)
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ESRCH') stop(onGone)
    }
  }, intervalMs)
  const stop = (then?: () => void): void => {
    clearInterval(timer)
    then?.()
  }
  return () => stop()
}

// Why: SIGTERM is how the daemon releases the lock; SIGINT/SIGHUP (a terminal) mean the same here.
export function onTerminate (release: () => Promise<void> | void): void {
  let once = false
  const handler = (): void => {
    if (once) return
    once = true
    Promise.resolve().then(release).catch(() => {}).finally(() => process.exit(0))
  }
  for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.on(sig, handler)
}
