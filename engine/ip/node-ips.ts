// One node's public addresses (CTDB's vnn list): what it knows, which interface each is on, who it
// believes owns each, and the per-node half of a takeover run: take, release, update (ctdb-semantics §3.5).
import { existsSync, readFileSync } from 'node:fs'
import { CorralError } from '../errors/index.js'
import type { RunRecord } from '../events/types.js'
import { canonicalIp, type AddressBackend } from './kernel.js'
import { parsePublicAddresses, type PublicAddress } from './public-addresses.js'

/** One known address. */
export interface Vnn {
  ip: string
  maskbits: number
  ifaces: string[]
  /** Interface the address is on here, or null. */
  iface: string | null
  /** Owner as this node believes it; -1 = unassigned. */
  owner: number
  deletePending: boolean
  /** Set while a take/release/update of this address runs (CTDB's update_in_flight). */
  busy: boolean
}

export interface IfaceState { name: string, linkUp: boolean, references: number }

export type RunIpEvent = (event: 'takeip' | 'releaseip' | 'updateip', args: string[]) => Promise<RunRecord>

export interface NodeIpsOptions {
  pnn: () => number
  file: string
  backend: AddressBackend
  runEvent: RunIpEvent
  log: { warn (o: object, m: string): void, notice (o: object, m: string): void, error (o: object, m: string): void }
  /** Told of every address put on or taken off an interface here (the notification log listens). */
  events?: { emit (name: 'ip:taken' | 'ip:released', v: { ip: string, iface: string }): void }
}

/** What a take or release did, for the leader's log. */
export type StepDone = 'takeip' | 'updateip' | 'releaseip' | 'redundant' | 'unknown'

export class NodeIps {
  readonly vnns = new Map<string, Vnn>()
  /** Admin link state (`setifacelink`); interfaces start up, as CTDB. */
  readonly adminLink = new Map<string, boolean>()

  constructor (readonly o: NodeIpsOptions) {}

  // Why: start-up reads the file; a missing file means the node hosts nothing (CTDB: a warning).
  load (): void {
    if (!existsSync(this.o.file)) {
      this.o.log.warn({ file: this.o.file }, `no public addresses file ${this.o.file}: this node hosts no public addresses`)
      return
    }
    for (const a of parsePublicAddresses(readFileSync(this.o.file, 'utf8'), this.o.file)) this.add(a)
  }

  /** Add a known address (file or `addip`); false when it is already known. */
  add (a: Pick<PublicAddress, 'ip' | 'maskbits' | 'ifaces'>): boolean {
    const ip = canonicalIp(a.ip)
    const v = this.vnns.get(ip)
    if (v !== undefined) {
      v.deletePending = false
      return false
    }
    this.vnns.set(ip, { ip, maskbits: a.maskbits, ifaces: [...a.ifaces], iface: null, owner: -1, deletePending: false, busy: false })
    for (const i of a.ifaces) if (!this.adminLink.has(i)) this.adminLink.set(i, true)
    return true
  }

  // Why: `delip` and `reloadips`: a held address only becomes delete-pending; it goes at its release.
  remove (ip: string): 'removed' | 'pending' | 'unknown' {
    const v = this.vnns.get(canonicalIp(ip))
    if (v === undefined) return 'unknown'
    if (v.iface !== null || v.owner === this.o.pnn()) {
      v.deletePending = true
      return 'pending'
    }
    this.vnns.delete(v.ip)
    this.#gcIfaces()
    return 'removed'
  }

  /** Re-read the file: new lines are added, vanished ones removed (held ones delete-pending). */
  reload (): { added: string[], removed: string[] } {
    const next = existsSync(this.o.file) ? parsePublicAddresses(readFileSync(this.o.file, 'utf8'), this.o.file) : []
    const want = new Set(next.map(a => canonicalIp(a.ip)))
    const added = next.filter(a => this.add(a)).map(a => canonicalIp(a.ip))
    const removed = [...this.vnns.keys()].filter(ip => !want.has(ip))
    for (const ip of removed) this.remove(ip)
    return { added, removed }
  }

  #gcIfaces (): void {
    const used = new Set([...this.vnns.values()].flatMap(v => v.ifaces))
    for (const i of [...this.adminLink.keys()]) if (!used.has(i)) this.adminLink.delete(i)
  }

  /** Interfaces with their link state (admin state and, in kernel mode, the carrier) and references. */
  async interfaces (): Promise<IfaceState[]> {
    const kernel = this.o.backend.kind === 'kernel' ? await this.o.backend.links() : null
    return [...this.adminLink.entries()].sort(([a], [b]) => a < b ? -1 : a > b ? 1 : 0).map(([name, up]) => ({
      name,
      linkUp: up && (kernel === null || kernel.get(name) === true),
      references: [...this.vnns.values()].filter(v => v.iface === name).length,
    }))
  }

  // Why: CTDB's choice: the first interface with link up; a later one only with strictly fewer references.
  bestIface (v: Vnn, ifaces: IfaceState[]): string | null {
    let best: IfaceState | null = null
    for (const name of v.ifaces) {
      const i = ifaces.find(x => x.name === name)
      if (i === undefined || !i.linkUp) continue
      if (best === null || i.references < best.references) best = i
    }
    return best?.name ?? null
  }

  /** Known addresses, or only those this node could host now (an interface up, not delete-pending). */
  async list (availableOnly: boolean): Promise<Array<Vnn & { available: string[] }>> {
    const ifaces = await this.interfaces()
    const up = new Set(ifaces.filter(i => i.linkUp).map(i => i.name))
    const out = [...this.vnns.values()].map(v => ({ ...v, ifaces: [...v.ifaces], available: v.ifaces.filter(i => up.has(i)) }))
    return availableOnly ? out.filter(v => v.available.length > 0 && !v.deletePending) : out
  }

  // Why: TAKEOVER_IP on this node: takeip, updateip or nothing, decided from the kernel's view.
  async take (ip: string): Promise<StepDone> {
    const v = this.vnns.get(canonicalIp(ip))
    if (v === undefined) return 'unknown'
    return await this.#exclusive(v, async () => {
      const me = this.o.pnn()
      const present = await this.o.backend.present()
      const on = present.get(v.ip)
      if (on !== undefined && v.owner !== -1 && v.owner !== me) {
        throw new CorralError('CORRAL_E_IP_CONFLICT', `${v.ip} is on ${on} here but this node believes node ${v.owner} holds it; refusing to take it twice`)
      }
      const ifaces = await this.interfaces()
      const best = this.bestIface(v, ifaces)
      if (best === null) throw new CorralError('CORRAL_E_IP_NO_INTERFACE', `no interface of ${v.ip} (${v.ifaces.join(',')}) has its link up`)
      if (on === undefined) {
        // Drift is reported whoever repairs it (this take, or the check that asked for the run).
        if (v.owner === me && v.iface !== null) this.o.log.warn({ ip: v.ip }, `Assigned IP ${v.ip} not on an interface: taking it again`)
        // Counted on the interface from the start, so takes sent together spread over interfaces (CTDB).
        v.iface = best
        try {
          await this.#event('takeip', [best, v.ip, String(v.maskbits)], v)
          await this.#verify(v, true)
        } catch (err) {
          v.iface = null
          throw err
        }
        v.owner = me
        this.o.backend.recordTake(v.ip, best)
        this.o.events?.emit('ip:taken', { ip: v.ip, iface: best })
        return 'takeip'
      }
      const current = ifaces.find(i => i.name === on)
      const move = v.iface === null || current === undefined || !current.linkUp || (best !== on && ifaces.find(i => i.name === best)!.references + 2 <= current.references)
      if (move && best !== on) {
        await this.#event('updateip', [on, best, v.ip, String(v.maskbits)], v)
        this.o.backend.recordTake(v.ip, best)
        v.iface = best
        v.owner = me
        return 'updateip'
      }
      v.iface = on
      v.owner = me
      return 'redundant'
    })
  }

  // Why: RELEASE_IP on this node: releaseip if the kernel has it, then remember the new owner.
  async release (ip: string, newOwner: number): Promise<StepDone> {
    const v = this.vnns.get(canonicalIp(ip))
    if (v === undefined) return 'unknown'
    return await this.#exclusive(v, async () => {
      const on = (await this.o.backend.present()).get(v.ip)
      let done: StepDone = 'redundant'
      if (on !== undefined && v.owner !== this.o.pnn() && v.owner !== -1 && v.iface === null) this.o.log.warn({ ip: v.ip }, `IP ${v.ip} incorrectly on an interface: releasing it`)
      if (on !== undefined) {
        await this.#event('releaseip', [on, v.ip, String(v.maskbits)], v)
        await this.#verify(v, false)
        this.o.backend.recordRelease(v.ip)
        this.o.events?.emit('ip:released', { ip: v.ip, iface: on })
        done = 'releaseip'
      }
      v.iface = null
      v.owner = newOwner
      if (v.deletePending) {
        this.vnns.delete(v.ip)
        this.#gcIfaces()
      }
      return done
    })
  }

  /** Release everything held (the node stopped, was banned, or is cut off too long). */
  async releaseAll (): Promise<number> {
    let n = 0
    const present = await this.o.backend.present()
    for (const v of [...this.vnns.values()]) {
      if (!present.has(v.ip) && v.iface === null) continue
      try {
        if (await this.release(v.ip, -1) === 'releaseip') n++
      } catch (err) {
        this.o.log.error({ ip: v.ip }, `could not release ${v.ip}: ${(err as Error).message}`)
      }
    }
    return n
  }

  /** Drift between what this node should hold and what its interfaces have (CTDB's IP check). */
  async drift (): Promise<{ missing: string[], extra: string[] }> {
    const me = this.o.pnn()
    const present = await this.o.backend.present()
    const missing: string[] = []
    const extra: string[] = []
    for (const v of this.vnns.values()) {
      if (v.busy) continue
      if (v.owner === me && !present.has(v.ip)) missing.push(v.ip)
      if (v.owner !== me && present.has(v.ip)) extra.push(v.ip)
    }
    return { missing, extra }
  }

  /** The owners a takeover run decided, for addresses this node was not told about directly. */
  setOwner (ip: string, owner: number): void {
    const v = this.vnns.get(canonicalIp(ip))
    if (v !== undefined && !v.busy) v.owner = owner
  }

  async #exclusive<T> (v: Vnn, fn: () => Promise<T>): Promise<T> {
    if (v.busy) throw new CorralError('CORRAL_E_IP_BUSY', `${v.ip} is already being moved on this node`)
    v.busy = true
    try {
      return await fn()
    } finally {
      v.busy = false
    }
  }

  // A failed takeip/releaseip/updateip fails the step; a timed-out one is logged and goes on (CTDB),
  // and the kernel check after it tells the truth in kernel mode.
  async #event (event: 'takeip' | 'releaseip' | 'updateip', args: string[], v: Vnn): Promise<void> {
    const r = await this.o.runEvent(event, args)
    if (r.state === 'OK') return
    if (r.state === 'TIMEDOUT') {
      this.o.log.error({ event, ip: v.ip }, `event ${event} ${args.join(' ')} timed out; checking the interface instead (see: corral event status legacy ${event})`)
      return
    }
    const failed = r.scripts.find(s => s.state !== 'OK' && s.state !== 'DISABLED')
    throw new CorralError('CORRAL_E_EVENT_FAILED', `event ${event} ${args.join(' ')} ${r.state}${failed === undefined ? '' : ` in ${failed.name}: ${failed.reason}${failed.output.trim() === '' ? '' : ` (${failed.output.trim().split('\n').pop() ?? ''})`}`}`)
  }

  async #verify (v: Vnn, shouldHave: boolean): Promise<void> {
    if (this.o.backend.kind !== 'kernel') return
    const has = (await this.o.backend.present()).has(v.ip)
    if (has === shouldHave) return
    throw new CorralError('CORRAL_E_IP_NOT_APPLIED', shouldHave
      ? `takeip of ${v.ip} finished but the address is on no interface (is an interface plugin enabled? see docs/ip.md)`
      : `releaseip of ${v.ip} finished but the address is still on an interface`)
  }
}
