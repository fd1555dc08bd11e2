// Generations (§1.6) and the leader's banning credits (§1.9). Pure: randomness and time are injected.
import { randomInt } from 'node:crypto'

/** CTDB's INVALID_GENERATION: a node with no valid term (starting, banned, stopped). */
export const INVALID_GENERATION = 1

/** A source of uniformly random unsigned 32-bit integers. */
export type RandomUint32 = () => number

const cryptoUint32: RandomUint32 = () => randomInt(0, 2 ** 32 - 1) >>> 0

// Why: every leader term and recovery gets a fresh generation, never INVALID and never the last one.
export function newGeneration (previous?: number, random: RandomUint32 = cryptoUint32): number {
  for (;;) {
    const g = random() >>> 0
    if (g !== INVALID_GENERATION && g !== previous) return g
  }
}

// Why: requests from another term must be refused; generations are random, so "old" means "different".
export function isStale (msgGeneration: number, current: number): boolean {
  return msgGeneration === INVALID_GENERATION || current === INVALID_GENERATION || msgGeneration !== current
}

// Why: `status` prints `Generation:INVALID` and JSON `null` for the invalid generation.
export function generationText (g: number): string {
  return g === INVALID_GENERATION ? 'INVALID' : String(g >>> 0)
}

/** Per-node culprit credits kept by the leader. */
export interface Culprit {
  credits: number
  /** Time of the last report, in ms of the injected clock. */
  lastReportedMs: number
}

export type BanBook = ReadonlyMap<number, Culprit>

export interface BanTunables {
  /** Credits older than this are forgiven (RecoveryGracePeriod, seconds). */
  recoveryGracePeriodS: number
  /** Ban length for automatic bans (RecoveryBanPeriod, seconds). */
  recoveryBanPeriodS: number
  /** EnableBans: 0 turns automatic bans off. */
  enableBans: number
}

// Why: +1 per recovery blamed on a node, +nodeCount on a takeover failure; stale credits forgiven first.
export function addCredits (book: BanBook, pnn: number, count: number, nowMs: number, t: BanTunables): BanBook {
  const next = new Map(book)
  const old = book.get(pnn)
  const forgiven = old === undefined || (old.credits > 0 && nowMs - old.lastReportedMs > t.recoveryGracePeriodS * 1000)
  next.set(pnn, { credits: (forgiven ? 0 : old.credits) + count, lastReportedMs: nowMs })
  return next
}

export interface BanDecision {
  book: BanBook
  /** Nodes to ban now, each for `seconds`. */
  bans: Array<{ pnn: number, seconds: number }>
}

// Why: at each leader loop and recovery, a node with >= 2 x nodeCount credits is banned and its credits zeroed.
export function nodesToBan (book: BanBook, nodeCount: number, t: BanTunables): BanDecision {
  const next = new Map(book)
  const bans: BanDecision['bans'] = []
  for (const [pnn, c] of book) {
    if (c.credits < 2 * nodeCount) continue
    next.set(pnn, { ...c, credits: 0 })
    if (t.enableBans !== 0) bans.push({ pnn, seconds: t.recoveryBanPeriodS })
  }
  return { book: next, bans }
}

// Why: a successful recovery wipes the slate for every node.
export function clearCredits (): BanBook {
  return new Map()
}
