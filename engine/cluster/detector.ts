// Failure detector for hung peers that does not blame peers for this node's own lateness.
//
// Peers send a heartbeat every `intervalMs`; any frame from a peer counts as one. A peer is
// suspected once it has been silent for `limit` intervals of *this node's observed time*: whenever
// one of this node's timers fires late (a GC pause, a CPU hog, SIGSTOP, a VM pause), the lateness is
// measured and every peer's deadline moves back by it, because during that time this node could not
// have heard anyone. So a stall here never makes a peer look dead, and a truly silent peer is
// suspected `limit x intervalMs` after its last frame plus whatever time this node itself lost.
// Pure: the caller passes monotonic times (performance.now()) and does the I/O.
import { HEARTBEAT_INTERVAL_MS, HEARTBEAT_LIMIT } from '../config/defaults.js'

export interface DetectorOptions {
  /** Heartbeat period (tunable HeartbeatIntervalMs). @default 250 */
  intervalMs?: number
  /** Silent intervals before a peer is suspected (tunable HeartbeatLimit). @default 8 */
  limit?: number
  /** Timer lateness up to this is ordinary jitter, not excused; beyond it, the excess is. @default intervalMs / 5 */
  lagToleranceMs?: number
}

interface Peer {
  lastHeardMs: number
  deadlineMs: number
  suspected: boolean
}

/** Failure detector state for one node; no timers, no sockets. */
export class FailureDetector {
  readonly intervalMs: number
  readonly limit: number
  readonly lagToleranceMs: number
  private readonly peers = new Map<number, Peer>()
  private lagMs = 0
  private maxLagMs = 0

  constructor (opts: DetectorOptions = {}) {
    this.intervalMs = opts.intervalMs ?? HEARTBEAT_INTERVAL_MS
    this.limit = opts.limit ?? HEARTBEAT_LIMIT
    this.lagToleranceMs = opts.lagToleranceMs ?? this.intervalMs / 5
    if (!Number.isFinite(this.intervalMs) || this.intervalMs <= 0) throw new RangeError(`Expected intervalMs > 0, got ${this.intervalMs}`)
    if (!Number.isInteger(this.limit) || this.limit < 1) throw new RangeError(`Expected limit to be an integer >= 1, got ${this.limit}`)
    if (!(this.lagToleranceMs >= 0)) throw new RangeError(`Expected lagToleranceMs >= 0, got ${this.lagToleranceMs}`)
  }

  /** Silence that makes a peer suspected, when this node is never late. */
  get timeoutMs (): number {
    return this.intervalMs * this.limit
  }

  // Why: start watching a peer when its link comes up, as if it had just spoken.
  addPeer (pnn: number, nowMs: number): void {
    this.peers.set(pnn, { lastHeardMs: nowMs, deadlineMs: nowMs + this.timeoutMs, suspected: false })
  }

  // Why: a closed link is reported by the transport at once; the detector then forgets the peer.
  removePeer (pnn: number): void {
    this.peers.delete(pnn)
  }

  // Why: any frame from a peer proves it alive; returns true if the peer had been suspected.
  onHeartbeat (pnn: number, nowMs: number): boolean {
    const wasSuspected = this.peers.get(pnn)?.suspected ?? false
    this.addPeer(pnn, nowMs)
    return wasSuspected
  }

  // Why: each timer run measures this node's own lateness, excuses it, and reports newly silent peers.
  onTick (nowMs: number, scheduledAtMs: number): number[] {
    // Ordinary timer jitter is not excused, or a check timed for a deadline would push it forever.
    const lag = Math.max(0, nowMs - scheduledAtMs - this.lagToleranceMs)
    if (lag > 0) {
      this.lagMs += lag
      this.maxLagMs = Math.max(this.maxLagMs, lag)
      for (const p of this.peers.values()) if (!p.suspected) p.deadlineMs += lag
    }
    const dead: number[] = []
    for (const [pnn, p] of this.peers) {
      if (!p.suspected && nowMs >= p.deadlineMs) {
        p.suspected = true
        dead.push(pnn)
      }
    }
    return dead.sort((a, b) => a - b)
  }

  // Why: lets the caller time its next check exactly at the earliest deadline instead of a whole interval later.
  nextDeadline (): number | undefined {
    let next: number | undefined
    for (const p of this.peers.values()) if (!p.suspected && (next === undefined || p.deadlineMs < next)) next = p.deadlineMs
    return next
  }

  /** Peers currently suspected, in PNN order. */
  suspected (): number[] {
    return [...this.peers].filter(([, p]) => p.suspected).map(([pnn]) => pnn).sort((a, b) => a - b)
  }

  /** For statistics and logs: total and largest measured local lag, in ms. */
  lag (): { totalMs: number, maxMs: number } {
    return { totalMs: this.lagMs, maxMs: this.maxLagMs }
  }
}
