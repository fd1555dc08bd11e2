// Waiting for a service to become ready (or to go away) with a deadline, never an unbounded loop.
import { setTimeout as sleep } from 'node:timers/promises'
import { READY_MAX_CHECKS, READY_POLL_MS } from '../config/defaults.js'

/** One check: `null` when ready, else why not yet (the last one becomes the failure reason). */
export type ReadyCheck = () => Promise<string | null>

export type WaitResult = { ok: true, ms: number, checks: number } | { ok: false, ms: number, checks: number, reason: string }

export interface WaitOptions {
  /** How long to wait in all, ms. */
  timeoutMs: number
  /** Pause between checks. @default READY_POLL_MS */
  intervalMs?: number
  /** Ends the wait early (the plugin's ctx.signal). */
  signal?: AbortSignal
  /** Stops the wait with this reason when it returns a string (e.g. the start command exited). */
  giveUp?: () => string | null
}

// Why: "start it and wait until it is ready" is every service's startup; the deadline and a check cap bound it.
export async function waitUntil (check: ReadyCheck, o: WaitOptions): Promise<WaitResult> {
  const t0 = performance.now()
  const end = Date.now() + o.timeoutMs
  let last = 'not checked'
  let checks = 0
  while (checks < READY_MAX_CHECKS) {
    checks++
    const why = await check()
    if (why === null) return { ok: true, ms: performance.now() - t0, checks }
    last = why
    const gave = o.giveUp?.() ?? null
    if (gave !== null) return { ok: false, ms: performance.now() - t0, checks, reason: `${gave} (last check: ${last})` }
    if (o.signal?.aborted === true) return { ok: false, ms: performance.now() - t0, checks, reason: `cancelled while waiting (last check: ${last})` }
    const left = end - Date.now()
    if (left <= 0) break
    try {
      await sleep(Math.min(o.intervalMs ?? READY_POLL_MS, left), undefined, { signal: o.signal })
    } catch {
      return { ok: false, ms: performance.now() - t0, checks, reason: `cancelled while waiting (last check: ${last})` }
    }
  }
  return { ok: false, ms: performance.now() - t0, checks, reason: `not ready after ${(o.timeoutMs / 1000).toFixed(1)} s: ${last}` }
}
