// The cluster lock contract shared by the daemon side and every helper (CTDB's cluster mutex
// helper protocol, doc/cluster_mutex_helper.txt): one ASCII status character on stdout.

/** Status characters a helper prints on stdout. */
export const HELPER_CHAR = {
  /** The lock is held; the helper keeps running until SIGTERM or until it loses the lock. */
  held: '0',
  /** Someone else holds the lock; the helper exits. */
  contended: '1',
  /** The helper gave up waiting (optional; the daemon also applies its own timeout). */
  timeout: '2',
  /** Any other failure (also what EOF without a character means). */
  error: '3',
} as const

/** Outcome of one attempt to take the lock. */
export type LockStatus = 'held' | 'contended' | 'timeout' | 'error'

/** What `take()` resolves to: a failed take is a result, not an exception. */
export interface TakeResult {
  status: LockStatus
  /** Spawn of the helper to its answer (or to the timeout), in ms. */
  latencyMs: number
  /** Why it was not held: the helper's stderr, or what the daemon saw (garbage, EOF, spawn error). */
  reason?: string
}

/** Payload of `lock:lost`: the helper exited (or closed stdout) after reporting `0`. */
export interface LockLost {
  /** Helper exit code, if it exited normally. */
  code: number | null
  /** Signal that ended the helper, if any. */
  signal: NodeJS.Signals | null
  /** Tail of the helper's stderr. */
  reason: string
  /** How long the lock had been held, in ms. */
  heldMs: number
}

/** Events of a ClusterLock (`noun:verb`). */
export interface ClusterLockEvents {
  'lock:lost': LockLost
}

/** Any pino-compatible logger. */
export interface LockLogger {
  error (obj: object, msg: string): void
  warn (obj: object, msg: string): void
  info (obj: object, msg: string): void
  debug (obj: object, msg: string): void
}
