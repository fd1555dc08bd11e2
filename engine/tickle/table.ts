// The tickle lists (CTDB's vnn->tcp_array), pure: per public address, the connections clients have
// to it. The holder fills its lists from polls and from `addtickle`; every other node keeps the copy
// the holder last pushed; a take hands the list to the tickle sender and starts a new, empty one.
import { connectionKey, type Connection } from './connection.js'
import { MAX_CONNECTIONS_PER_ADDRESS } from '../config/defaults.js'

interface Entry {
  conn: Connection
  /** Learnt from `ss` (a later poll that misses it removes it); false: registered with addtickle. */
  polled: boolean
}

export interface Change { added: number, removed: number, dropped: number }

export class TickleTable {
  readonly #lists = new Map<string, Map<string, Entry>>()
  /** Addresses whose list changed since it was last pushed (CTDB's tcp_update_needed). */
  readonly #dirty = new Set<string>()

  constructor (readonly maxPerAddress = MAX_CONNECTIONS_PER_ADDRESS) {}

  // Why: `addtickle` and the poll both add; a connection already known is left as it is (CTDB).
  add (conns: readonly Connection[], polled = false): Change {
    const ch = { added: 0, removed: 0, dropped: 0 }
    for (const c of conns) {
      let list = this.#lists.get(c.dst.ip)
      if (list === undefined) { list = new Map(); this.#lists.set(c.dst.ip, list) }
      const key = connectionKey(c)
      if (list.has(key)) continue
      if (list.size >= this.maxPerAddress) { ch.dropped++; continue }
      list.set(key, { conn: c, polled })
      this.#dirty.add(c.dst.ip)
      ch.added++
    }
    return ch
  }

  // Why: `deltickle`: an unknown connection is not an error (CTDB logs and goes on).
  remove (conns: readonly Connection[]): Change {
    const ch = { added: 0, removed: 0, dropped: 0 }
    for (const c of conns) {
      const list = this.#lists.get(c.dst.ip)
      if (list?.delete(connectionKey(c)) !== true) continue
      if (list.size === 0) this.#lists.delete(c.dst.ip)
      this.#dirty.add(c.dst.ip)
      ch.removed++
    }
    return ch
  }

  // Why: CTDB's update_tickles: for each address held here, add what the poll saw and drop polled
  // entries it no longer sees; registered (addtickle) entries stay until deltickle.
  syncPolled (held: ReadonlySet<string>, seen: readonly Connection[]): Change {
    const ch = this.add(seen.filter(c => held.has(c.dst.ip)), true)
    const now = new Set(seen.map(connectionKey))
    for (const ip of held) {
      const list = this.#lists.get(ip)
      if (list === undefined) continue
      for (const [key, e] of list) {
        if (!e.polled || now.has(key)) continue
        list.delete(key)
        this.#dirty.add(ip)
        ch.removed++
      }
      if (list.size === 0) this.#lists.delete(ip)
    }
    return ch
  }

  /** The connections to `ip` (only those to `port` when it is not 0), in the order they were learnt. */
  list (ip: string, port = 0): Connection[] {
    return [...(this.#lists.get(ip)?.values() ?? [])].map(e => e.conn).filter(c => port === 0 || c.dst.port === port)
  }

  // Why: a peer pushed the holder's list: it replaces ours, unless we hold the address (CTDB ignores it then).
  replace (ip: string, conns: readonly Connection[], holdHere: boolean): boolean {
    if (holdHere) return false
    const list = new Map<string, Entry>()
    for (const c of conns) {
      if (c.dst.ip !== ip || list.size >= this.maxPerAddress) continue
      list.set(connectionKey(c), { conn: c, polled: true })
    }
    if (list.size === 0) this.#lists.delete(ip)
    else this.#lists.set(ip, list)
    this.#dirty.delete(ip)
    return true
  }

  // Why: after a take the list goes to the tickle sender and this node starts afresh; the empty list
  // is pushed so no other node tickles those clients again (CTDB's talloc_steal in the ARP setup).
  take (ip: string): Connection[] {
    const out = this.list(ip)
    this.#lists.delete(ip)
    this.#dirty.add(ip)
    return out
  }

  /** Addresses whose list changed since `pushed(ip)`, among `held`. */
  dirty (held: ReadonlySet<string>): string[] {
    return [...this.#dirty].filter(ip => held.has(ip))
  }

  /** Mark a list as sent to every peer. */
  pushed (ip: string): void { this.#dirty.delete(ip) }

  /** Every list is sent again at the next push (a peer came back: CTDB re-sends on its STARTUP). */
  markAll (held: ReadonlySet<string>): void { for (const ip of held) this.#dirty.add(ip) }

  /** Addresses with a non-empty list. */
  addresses (): string[] { return [...this.#lists.keys()] }
}
