// One node's tickle work (CTDB's takeover.c tickle half): learn the clients of the addresses held
// here (an `ss` poll and `addtickle`), push each changed list to every other node once per
// TickleUpdateInterval, and after taking an address send its clients tickle ACKs, with each
// gratuitous ARP round (3 rounds, 1.1 s apart), so they find out at once that the connection is gone.
import { CorralError } from '../errors/index.js'
import { parseSsEstablished, formatEndpoint, type Connection } from './connection.js'
import { TICKLE_ROUND_INTERVAL_MS, TICKLE_ROUNDS } from '../config/defaults.js'
import { TickleTable, type Change } from './table.js'

export interface TickleLog {
  error (o: object, m: string): void
  warn (o: object, m: string): void
  notice (o: object, m: string): void
  info (o: object, m: string): void
  debug (o: object, m: string): void
}

/** What the tickle component needs from the node; tests pass stubs. */
export interface NodeTicklesComponents {
  pnn (): number
  /** Is `ip` one of this node's public addresses? */
  isPublic (ip: string): boolean
  /** Public addresses this node holds now (on an interface here). */
  held (): Set<string>
  /** Send the holder's list of `ip` to every connected peer; rejects when some peer did not take it. */
  push (ip: string, conns: Connection[]): Promise<void>
  /** `ss -tnH state established` output. */
  poll (): Promise<string>
  /** Send one round of tickle ACKs (the helper). */
  send (conns: Connection[]): Promise<void>
  /** Seconds between push rounds (tunable TickleUpdateInterval). */
  intervalS (): number
  /** False in the recorded-interfaces mode: the addresses are not really here, so no packet is sent (CTDB: test mode). */
  realAddresses: boolean
  log: TickleLog
  events: { on<K extends keyof TickleEvents & string> (name: K, fn: (v: TickleEvents[K]) => void): () => void }
}

/** The node events the tickle component listens to. */
export interface TickleEvents {
  [k: string]: unknown
  'ip:taken': { ip: string, iface: string }
  'ip:released': { ip: string, iface: string }
  'node:connected': { pnn: number }
}

/** What one take's tickling did, for tests and logs. */
export interface TickleRun {
  ip: string
  connections: number
  rounds: number
  failed: number
  /** When the helper of the first round was started (ms). */
  firstSentMs: number
}

export class NodeTickles {
  readonly table = new TickleTable()
  /** The last tickle run per address (kept for status and tests). */
  readonly runs = new Map<string, TickleRun>()
  #timer: NodeJS.Timeout | undefined
  /** Per address being tickled: its run token and the timer of its next round. */
  #rounds = new Map<string, { token: object, timer?: NodeJS.Timeout }>()
  #off: Array<() => void> = []
  #ticking = false
  #stopped = false
  #warnedPoll = false

  constructor (readonly c: NodeTicklesComponents) {}

  start (): void {
    this.#stopped = false
    this.#off.push(
      this.c.events.on('ip:taken', v => { this.onTaken(v.ip) }),
      this.c.events.on('ip:released', v => { this.#cancel(v.ip) }),
      // A node that (re)connects gets every list at once (CTDB re-sends on a peer's STARTUP).
      this.c.events.on('node:connected', () => {
        this.table.markAll(this.c.held())
        void this.pushChanged()
      }),
    )
    this.#schedule()
  }

  stop (): void {
    this.#stopped = true
    clearTimeout(this.#timer)
    for (const ip of [...this.#rounds.keys()]) this.#cancel(ip)
    for (const off of this.#off.splice(0)) off()
  }

  #schedule (): void {
    if (this.#stopped) return
    clearTimeout(this.#timer)
    this.#timer = setTimeout(() => { void this.tick().finally(() => { this.#schedule() }) }, Math.max(1, this.c.intervalS()) * 1000)
  }

  // Why: one period: poll the established connections of the held addresses, then push what changed.
  async tick (): Promise<void> {
    if (this.#ticking) return
    this.#ticking = true
    try {
      await this.poll()
      await this.pushChanged()
    } finally {
      this.#ticking = false
    }
  }

  /** Learn the clients of the held addresses from `ss` (CTDB's update_tickles). */
  async poll (): Promise<Change> {
    const held = this.c.held()
    if (held.size === 0) return { added: 0, removed: 0, dropped: 0 }
    let text: string
    try {
      text = await this.c.poll()
      this.#warnedPoll = false
    } catch (err) {
      if (!this.#warnedPoll) this.c.log.warn({}, `cannot list TCP connections, tickle lists not updated: ${(err as Error).message}`)
      this.#warnedPoll = true
      return { added: 0, removed: 0, dropped: 0 }
    }
    const ch = this.table.syncPolled(held, parseSsEstablished(text, held))
    if (ch.dropped > 0) this.c.log.warn({ dropped: ch.dropped }, `tickle lists are full: ${ch.dropped} connection(s) not tracked`)
    if (ch.added + ch.removed > 0) this.c.log.debug({ ...ch }, `tickle lists: ${ch.added} connection(s) added, ${ch.removed} gone`)
    return ch
  }

  /** Push each changed list of a held address to every peer; a failed push is tried again next period. */
  async pushChanged (): Promise<void> {
    const held = this.c.held()
    for (const ip of this.table.dirty(held)) {
      const conns = this.table.list(ip)
      this.table.pushed(ip)
      try {
        await this.c.push(ip, conns)
        this.c.log.debug({ ip, connections: conns.length }, `sent the tickle list of ${ip} (${conns.length} connection(s))`)
      } catch (err) {
        this.table.markAll(new Set([ip]))
        this.c.log.warn({ ip }, `could not send the tickle list of ${ip}: ${(err as Error).message}`)
      }
    }
  }

  // Why: `corral gettickles IP [PORT]`: only for a public address of this node, as CTDB.
  list (ip: string, port = 0): Connection[] {
    if (!this.c.isPublic(ip)) throw new CorralError('CORRAL_E_IP_UNKNOWN', `${ip} is not a public address of node ${this.c.pnn()}`)
    return this.table.list(ip, port)
  }

  // Why: `corral addtickle`: every destination must be a public address here; nothing is added otherwise.
  add (conns: readonly Connection[]): Change {
    const bad = conns.find(x => !this.c.isPublic(x.dst.ip))
    if (bad !== undefined) throw new CorralError('CORRAL_E_IP_UNKNOWN', `cannot track ${formatEndpoint(bad.src)} -> ${formatEndpoint(bad.dst)}: ${bad.dst.ip} is not a public address of node ${this.c.pnn()}`)
    return this.table.add(conns)
  }

  /** `corral deltickle`: connections not tracked are skipped. */
  remove (conns: readonly Connection[]): Change { return this.table.remove(conns) }

  /** A peer pushed its list of `ip`; true when it replaced ours. */
  applyRemote (ip: string, conns: readonly Connection[]): boolean {
    if (!this.c.isPublic(ip)) return false
    return this.table.replace(ip, conns, this.c.held().has(ip))
  }

  // Why: after a takeip the clients of the old holder get tickle ACKs now and twice more, 1.1 s apart.
  onTaken (ip: string): void {
    const conns = this.table.take(ip)
    this.#cancel(ip)
    if (conns.length === 0) return
    if (!this.c.realAddresses) {
      this.c.log.info({ ip, connections: conns.length }, `${ip} taken: ${conns.length} connection(s) known, no tickle ACKs (addresses are recorded, not on interfaces)`)
      return
    }
    const run: TickleRun = { ip, connections: conns.length, rounds: 0, failed: 0, firstSentMs: 0 }
    this.runs.set(ip, run)
    const me = { token: {} as object, timer: undefined as NodeJS.Timeout | undefined }
    this.#rounds.set(ip, me)
    const live = (): boolean => !this.#stopped && this.#rounds.get(ip) === me
    const round = async (): Promise<void> => {
      if (!live()) return
      const startedMs = Date.now()
      try {
        await this.c.send(conns)
        if (run.rounds === 0) run.firstSentMs = startedMs
        run.rounds++
        this.c.log.notice({ ip, connections: conns.length, round: run.rounds, startedMs, ms: Date.now() - startedMs }, `sent tickle ACKs to ${conns.length} client connection(s) of ${ip} (round ${run.rounds} of ${TICKLE_ROUNDS})`)
      } catch (err) {
        run.failed++
        // The same failure (no helper, no permission) would repeat each round: log it once per take.
        if (run.failed === 1) this.c.log.error({ ip, code: (err as CorralError).code }, `could not send tickle ACKs for ${ip}: ${(err as Error).message}`)
      }
      if (run.rounds + run.failed < TICKLE_ROUNDS && live()) me.timer = setTimeout(() => { void round() }, TICKLE_ROUND_INTERVAL_MS)
      else if (live()) this.#rounds.delete(ip)
    }
    void round()
  }

  // A released address stops being announced (CTDB cancels the ARP/tickle timer on release).
  #cancel (ip: string): void {
    clearTimeout(this.#rounds.get(ip)?.timer)
    this.#rounds.delete(ip)
  }
}
