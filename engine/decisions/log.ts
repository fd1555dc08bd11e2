// Where decision records go: one JSON line each, appended to `<state dir>/decisions.jsonl`
// (rotated to `.1` at a size bound, one old file kept), plus a normal log line for the admin.
import { appendFileSync, renameSync, statSync } from 'node:fs'
import { DECISIONS_FILE_MAX_BYTES } from '../config/defaults.js'
import { DECISION_KINDS, DECISION_VERSION, type Decision, type DecisionInit, type DecisionKind } from './types.js'

export interface DecisionLogOptions {
  /** The JSON-lines file; null keeps records in counts and the log only (tests, events-only). */
  file: string | null
  /** Rotate once the file reaches this size. @default DECISIONS_FILE_MAX_BYTES */
  maxBytes?: number
  /** Who decides and at which generation, read at each record. */
  context: () => { pnn: number, generation: number }
  log?: { notice (o: object, m: string): void, warn (o: object, m: string): void }
}

export class DecisionLog {
  readonly file: string | null
  readonly #maxBytes: number
  #size = -1
  #writeFailed = false
  /** Records written since start, by kind (for `corral statistics`). */
  readonly counts: Record<DecisionKind, number> = Object.fromEntries(DECISION_KINDS.map(k => [k, 0])) as Record<DecisionKind, number>
  /** Listeners told of each record after it is written. */
  readonly #listeners = new Set<(d: Decision) => void>()

  constructor (readonly opts: DecisionLogOptions) {
    this.file = opts.file
    this.#maxBytes = opts.maxBytes ?? DECISIONS_FILE_MAX_BYTES
  }

  // Why: records are rare (one per leader decision) and small, so a synchronous append is cheap and
  // a crash right after a decision still leaves its record on disk.
  record (init: DecisionInit, message?: string): Decision {
    const ctx = this.opts.context()
    const header = { v: DECISION_VERSION, kind: init.kind, timeMs: init.timeMs ?? Date.now(), pnn: init.pnn ?? ctx.pnn, generation: init.generation ?? ctx.generation }
    // Key order: the header first, then the record's own fields, so a line reads naturally.
    const d = Object.assign(header, init, { timeMs: header.timeMs, pnn: header.pnn, generation: header.generation }) as Decision
    const line = JSON.stringify(d) + '\n'
    this.counts[d.kind]++
    if (this.file !== null) this.#append(this.file, line)
    if (message !== undefined) this.opts.log?.notice({ decision: d.kind }, message)
    for (const fn of this.#listeners) fn(d)
    return d
  }

  /** Be told of every record (returns the unsubscribe). */
  on (fn: (d: Decision) => void): () => void {
    this.#listeners.add(fn)
    return () => { this.#listeners.delete(fn) }
  }

  #append (file: string, line: string): void {
    try {
      if (this.#size < 0) this.#size = sizeOf(file)
      const bytes = Buffer.byteLength(line)
      if (this.#size > 0 && this.#size + bytes > this.#maxBytes) {
        renameSync(file, `${file}.1`)
        this.#size = 0
      }
      appendFileSync(file, line, { mode: 0o640 })
      this.#size += bytes
      this.#writeFailed = false
    } catch (err) {
      // A full or read-only disk must not stop the leader deciding; say so once per failure spell.
      if (!this.#writeFailed) this.opts.log?.warn({ file }, `cannot write decision records to ${file}: ${(err as Error).message}`)
      this.#writeFailed = true
      this.#size = -1
    }
  }
}

function sizeOf (file: string): number {
  try {
    return statSync(file).size
  } catch {
    return 0
  }
}
