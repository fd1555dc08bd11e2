// Per (component, event): the last stored run and a bounded history of recent runs.
import type { RunRecord } from './types.js'

interface Slot { last: RunRecord | null, recent: RunRecord[] }

/** Bounded memory: at most `size` runs per (component, event), whatever the number of runs. */
export class RunHistory {
  readonly #slots = new Map<string, Slot>()
  constructor (readonly size: number) {}

  #slot (component: string, event: string): Slot {
    const key = `${component}\0${event}`
    let s = this.#slots.get(key)
    if (s === undefined) { s = { last: null, recent: [] }; this.#slots.set(key, s) }
    return s
  }

  // Why: a cancelled monitor joins the history but never replaces the last monitor status (CTDB).
  record (run: RunRecord): void {
    const s = this.#slot(run.component, run.event)
    s.recent.push(run)
    if (s.recent.length > this.size) s.recent.shift()
    if (run.state !== 'CANCELLED') s.last = backfill(run, s.last)
  }

  last (component: string, event: string): RunRecord | null {
    return this.#slots.get(`${component}\0${event}`)?.last ?? null
  }

  /** The newest n runs, newest first. */
  recent (component: string, event: string, n: number): RunRecord[] {
    const r = this.#slots.get(`${component}\0${event}`)?.recent ?? []
    return r.slice(Math.max(0, r.length - n)).reverse()
  }
}

// CTDB keeps showing earlier results for scripts a failed run did not reach; corral says so in the reason.
function backfill (run: RunRecord, previous: RunRecord | null): RunRecord {
  if (previous === null || !run.scripts.some(s => s.state === 'NOT_RUN')) return run
  return {
    ...run,
    scripts: run.scripts.map(s => {
      if (s.state !== 'NOT_RUN') return s
      const p = previous.scripts.find(x => x.name === s.name)
      return p === undefined || p.state === 'NOT_RUN' ? s : { ...s, reason: `not run (an earlier script failed); previous result ${p.state} at ${new Date(p.startedAt).toISOString()}` }
    }),
  }
}
