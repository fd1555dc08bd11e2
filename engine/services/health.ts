// A monitor run's DEGRADED warnings in one line: what the node shows and counts (a degraded
// service warns; it never makes the node UNHEALTHY nor moves addresses).
import type { RunRecord } from '../events/types.js'

// Why: `corral status` and the log show one line naming each degraded entry and its reason.
export function degradedReason (run: RunRecord): string {
  return run.scripts.filter(s => s.state === 'DEGRADED').map(s => `${s.name}: ${s.reason}`).join('; ')
}

/** The node's view of its services' health: DEGRADED reason of the last monitor and counters. */
export interface ServiceHealth {
  /** '' when the last finished monitor had no DEGRADED entry. */
  degradedReason: string
  /** Monitors with at least one DEGRADED entry since the daemon started. */
  degradedTotal: number
}
