// Runstates of a node (CTDB §1.3) and what each one allows: the transitions, the lifecycle
// event fired on entering a runstate, and which events may run while recovery mode is ACTIVE.
import type { EventName } from '../events/types.js'

/** CTDB's runstate numbers; the order matters (`<= FIRST_RECOVERY` means "still starting"). */
export const Runstate = {
  UNKNOWN: 0,
  INIT: 1,
  SETUP: 2,
  FIRST_RECOVERY: 3,
  STARTUP: 4,
  RUNNING: 5,
  SHUTDOWN: 6,
} as const
export type Runstate = typeof Runstate[keyof typeof Runstate]
export type RunstateName = keyof typeof Runstate

const NAMES = Object.keys(Runstate) as RunstateName[]

// Why: CLI output and logs use CTDB's upper-case names.
export function runstateName (r: Runstate): RunstateName {
  return NAMES[r] ?? 'UNKNOWN'
}

// Why: `corral runstate first_recovery` accepts names case-insensitively, as `ctdb runstate` does.
export function parseRunstate (text: string): Runstate | undefined {
  const key = text.trim().toUpperCase()
  return (NAMES as string[]).includes(key) ? Runstate[key as RunstateName] : undefined
}

/** The only moves the daemon makes: forward one step at a time, or to SHUTDOWN from anywhere. */
const NEXT: Readonly<Record<Runstate, Runstate | undefined>> = {
  [Runstate.UNKNOWN]: Runstate.INIT,
  [Runstate.INIT]: Runstate.SETUP,
  [Runstate.SETUP]: Runstate.FIRST_RECOVERY,
  [Runstate.FIRST_RECOVERY]: Runstate.STARTUP,
  [Runstate.STARTUP]: Runstate.RUNNING,
  [Runstate.RUNNING]: undefined,
  [Runstate.SHUTDOWN]: undefined,
}

// Why: CTDB sets runstates without checking; corral refuses a skipped or backward step (a bug).
export function canTransition (from: Runstate, to: Runstate): boolean {
  if (to === Runstate.SHUTDOWN) return from !== Runstate.SHUTDOWN
  return NEXT[from] === to
}

/** What happens when the lifecycle event of a runstate fails (CTDB §1.4, §4.1). */
export type EventFailurePolicy = 'exit' | 'retry' | 'ignore'

export interface RunstateEvent {
  event: EventName
  onFailure: EventFailurePolicy
  /** Runstate to enter when the event succeeds (STARTUP -> RUNNING); none otherwise. */
  next?: Runstate
}

const ON_ENTER: Partial<Record<Runstate, RunstateEvent>> = {
  [Runstate.INIT]: { event: 'init', onFailure: 'exit' },
  [Runstate.SETUP]: { event: 'setup', onFailure: 'exit' },
  [Runstate.STARTUP]: { event: 'startup', onFailure: 'retry', next: Runstate.RUNNING },
  [Runstate.SHUTDOWN]: { event: 'shutdown', onFailure: 'ignore' },
}

// Why: the daemon fires exactly these four lifecycle events, each once, on entering its runstate.
export function eventOnEnter (r: Runstate): RunstateEvent | undefined {
  return ON_ENTER[r]
}

/** Seconds between retries of a failed `startup` event (CTDB: 5 s, unbounded). */
export const STARTUP_RETRY_S = 5

/** Events CTDB lets run while recovery mode is ACTIVE (§1.6); every other event is refused. */
export const EVENTS_ALLOWED_IN_RECOVERY: readonly EventName[] = [
  'init', 'setup', 'startrecovery', 'shutdown', 'releaseip', 'ipreallocated', 'startipreallocate',
]

/** Recovery mode (§1.6): NORMAL(0) or ACTIVE(1), printed RECOVERY. */
export const RecoveryMode = { NORMAL: 0, ACTIVE: 1 } as const
export type RecoveryMode = typeof RecoveryMode[keyof typeof RecoveryMode]

// Why: the event runner asks this before queueing an event during a recovery.
export function eventAllowed (event: EventName, mode: RecoveryMode): boolean {
  return mode === RecoveryMode.NORMAL || EVENTS_ALLOWED_IN_RECOVERY.includes(event)
}

// Why: only RUNNING nodes host IPs, monitor, or take part in `startipreallocate` (§1.3).
export function isRunning (r: Runstate): boolean {
  return r === Runstate.RUNNING
}
