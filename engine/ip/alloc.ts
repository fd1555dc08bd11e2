// CTDB's three public-IP allocation algorithms as pure functions (ctdb-semantics §3.6): LCP2
// (default), deterministic and non-deterministic, with CTDB's list order, tie-breaks and wrapping
// unsigned 32-bit arithmetic, so corral places addresses exactly where CTDB would.
import { addressKey, compareKeysDesc, distance, type Key } from './address.js'

export type Algorithm = 'lcp2' | 'deterministic' | 'nondeterministic'

/** Node flag bits that forbid hosting addresses (CTDB: flags & 0x3f must be 0). */
export const HOSTING_FORBIDDEN = 0x3f

export interface AllocationInput {
  /** One entry per PNN, in order: the node's flags in CTDB's bits. */
  nodeFlags: readonly number[]
  /** Each address, its current owner (-1 = unassigned) and the nodes that can host it (default: all). */
  ips: ReadonlyArray<{ ip: string, owner: number, canHost?: readonly number[] }>
  algorithm: Algorithm
  noIPFailback?: boolean
  noIPTakeover?: boolean
  /** Nodes that may receive addresses in LCP2's rebalancing although they hold some (CTDB's force-rebalance list). */
  forceRebalance?: readonly number[]
  /** Deterministic only: home node per address (CTDB's home_nodes file). */
  homeNodes?: ReadonlyMap<string, number>
}

interface Slot { ip: string, key: Key, owner: number, available: Set<number>, idx: number }

export interface AllocationResult {
  /** Every address with its new owner (-1: no node can host it), in CTDB's list order (highest first). */
  assignments: Array<{ ip: string, pnn: number }>
  /** CTDB's INFO/WARNING lines for the decision record. */
  trace: string[]
}

const u32 = (n: number): number => n >>> 0
/** Largest squared LCP2 distance (128 bits in common). */
const MAX_DIST_SQ = 128 * 128

// Why: one entry point for takeover runs and `corral ip plan`.
export function allocate (input: AllocationInput): AllocationResult {
  const n = input.nodeFlags.length
  const trace: string[] = []
  const slots: Slot[] = input.ips.map(x => {
    const key = addressKey(x.ip)
    if (key === null) throw new RangeError(`not an IP address: ${x.ip}`)
    const hosts = x.canHost ?? Array.from({ length: n }, (_, i) => i)
    return { ip: x.ip, key, owner: x.owner, available: new Set(hosts.filter(p => p >= 0 && p < n && (input.nodeFlags[p] & HOSTING_FORBIDDEN) === 0)), idx: 0 }
  }).sort((a, b) => compareKeysDesc(a.key, b.key))
  slots.forEach((s, i) => { s.idx = i })
  const ctx = new Ctx(slots, n, input.noIPTakeover === true, trace)
  switch (input.algorithm) {
    case 'deterministic': ctx.deterministic(input.homeNodes, input.noIPFailback === true); break
    case 'nondeterministic': ctx.nondeterministic(input.noIPFailback === true); break
    default: ctx.lcp2(input.noIPFailback === true, input.forceRebalance ?? [])
  }
  return { assignments: slots.map(s => ({ ip: s.ip, pnn: s.owner })), trace }
}

class Ctx {
  constructor (readonly ips: Slot[], readonly n: number, readonly noTakeover: boolean, readonly trace: string[]) {}

  canHost (pnn: number, s: Slot): boolean { return s.available.has(pnn) }
  canTakeover (pnn: number, s: Slot): boolean { return !this.noTakeover && this.canHost(pnn, s) }
  coverage (pnn: number): number { return this.ips.filter(s => s.owner === pnn).length }

  unassignUnsuitable (): void {
    for (const s of this.ips) if (s.owner !== -1 && !this.canHost(s.owner, s)) s.owner = -1
  }

  // The node with the fewest addresses among those that can take this one; lowest PNN on ties.
  findTakeoverNode (s: Slot): boolean {
    let best = -1
    let min = 0
    for (let p = 0; p < this.n; p++) {
      if (!this.canTakeover(p, s)) continue
      const c = this.coverage(p)
      if (best === -1 || c < min) { best = p; min = c }
    }
    if (best === -1) { this.trace.push(`Failed to find node to cover ip ${s.ip}`); return false }
    s.owner = best
    return true
  }

  basicAllocateUnassigned (): void {
    for (const s of this.ips) if (s.owner === -1) this.findTakeoverNode(s)
  }

  deterministic (home: ReadonlyMap<string, number> | undefined, noFailback: boolean): void {
    this.trace.push('Deterministic IPs enabled. Resetting all ip allocations')
    if (noFailback) this.trace.push('WARNING: NoIPFailback is ignored by the deterministic algorithm')
    this.ips.forEach((s, i) => {
      const h = home?.get(s.ip)
      s.owner = h !== undefined && h >= 0 && h < this.n ? h : i % this.n
    })
    this.unassignUnsuitable()
    this.basicAllocateUnassigned()
  }

  nondeterministic (noFailback: boolean): void {
    this.unassignUnsuitable()
    this.basicAllocateUnassigned()
    if (noFailback) return
    let retries = 0
    scan: for (;;) {
      for (const s of this.ips) {
        if (s.owner === -1) continue
        let maxnode = -1; let maxnum = 0; let minnode = -1; let minnum = 0
        for (let p = 0; p < this.n; p++) {
          if (!this.canTakeover(p, s)) continue
          const c = this.coverage(p)
          if (maxnode === -1 || c > maxnum) { maxnode = p; maxnum = c }
          if (minnode === -1 || c < minnum) { minnode = p; minnum = c }
        }
        if (maxnode === -1) continue
        if (maxnum > minnum + 1 && retries < this.ips.length + 5) {
          const first = this.ips.find(x => x.owner === maxnode)!
          this.findTakeoverNode(first)
          retries++
          continue scan
        }
      }
      return
    }
  }

  /** Addresses per node, kept in list order while LCP2 runs. */
  byNode: Slot[][] = []

  // Σ dist(ip, t)² over the addresses t on node pnn other than this one, in wrapping uint32.
  dsum (s: Slot, pnn: number): number {
    let sum = 0
    for (const t of this.byNode[pnn]) {
      if (t === s) continue
      const d = distance(s.key, t.key)
      sum = u32(sum + Math.imul(d, d))
    }
    return sum
  }

  imbalance (pnn: number): number {
    let sum = 0
    const mine = this.ips.filter(s => s.owner === pnn)
    for (let i = 0; i < mine.length; i++) {
      for (let j = i + 1; j < mine.length; j++) {
        const d = distance(mine[i].key, mine[j].key)
        sum = u32(sum + Math.imul(d, d))
      }
    }
    return sum
  }

  // Keeps each node's list in list order (failback's tie-breaks depend on it): binary-search insert.
  #moveTo (s: Slot, pnn: number): void {
    if (s.owner !== -1) this.byNode[s.owner] = this.byNode[s.owner].filter(x => x !== s)
    s.owner = pnn
    const list = this.byNode[pnn]
    let lo = 0
    let hi = list.length
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      if (list[mid].idx < s.idx) lo = mid + 1
      else hi = mid
    }
    list.splice(lo, 0, s)
  }

  lcp2 (noFailback: boolean, force: readonly number[]): void {
    this.unassignUnsuitable()
    this.byNode = Array.from({ length: this.n }, (_, p) => this.ips.filter(s => s.owner === p))
    const imb = Array.from({ length: this.n }, (_, p) => this.imbalance(p))
    const candidate = Array.from({ length: this.n }, (_, p) => this.coverage(p) === 0)
    for (const p of force) {
      if (p >= 0 && p < this.n) { candidate[p] = true; this.trace.push(`NOTICE: Forcing rebalancing of IPs to node ${p}`) } else this.trace.push(`ERROR: Node ${p} is not a valid node for forced rebalance`)
    }
    // Place unassigned addresses one at a time: the (address, node) pair with the smallest dsum.
    // dsums are kept in a table and updated for the one node that gained an address each round
    // (uint32 wrapping sums are order-independent, so the values equal CTDB's recomputed ones).
    const open = this.ips.filter(s => s.owner === -1)
    const table = open.map(s => Array.from({ length: this.n }, (_, p) => this.canTakeover(p, s) ? this.dsum(s, p) : -1))
    const placed = open.map(() => false)
    // Each row's minimum (lowest node on ties), so a round scans rows, not rows x nodes. The pick is
    // the same as a full row-major scan with a strict "<": the first row holding the smallest value.
    const rowMin = table.map(row => minOf(row))
    for (;;) {
      let mini = -1
      for (let i = 0; i < open.length; i++) {
        if (placed[i] || rowMin[i].p < 0) continue
        if (mini === -1 || rowMin[i].v < rowMin[mini].v) mini = i
      }
      if (mini === -1) break
      const minnode = rowMin[mini].p
      const mindsum = rowMin[mini].v
      const ip = open[mini]
      placed[mini] = true
      this.#moveTo(ip, minnode)
      imb[minnode] = u32(imb[minnode] + mindsum)
      this.trace.push(` ${ip.ip} -> ${minnode} [+${mindsum}]`)
      for (let i = 0; i < open.length; i++) {
        if (placed[i] || table[i][minnode] < 0) continue
        const d = distance(open[i].key, ip.key)
        const v = u32(table[i][minnode] + Math.imul(d, d))
        table[i][minnode] = v
        const m = rowMin[i]
        if (m.p === minnode) rowMin[i] = v < m.v ? { p: minnode, v } : nextMin(table[i], m, v)
        else if (v < m.v || (v === m.v && minnode < m.p)) rowMin[i] = { p: minnode, v }
      }
    }
    for (const s of this.ips) if (s.owner === -1) this.trace.push(`Failed to find node to cover ip ${s.ip}`)
    if (noFailback || !candidate.some(Boolean)) return
    // Failback: move addresses from the most imbalanced nodes onto candidates while that helps.
    for (;;) {
      const order = Array.from({ length: this.n }, (_, p) => p).sort((a, b) => imb[b] - imb[a])
      let moved = false
      for (const src of order) {
        if (imb[src] === 0) break
        if (this.failbackFrom(src, imb, candidate)) { moved = true; break }
      }
      if (!moved) return
    }
  }

  failbackFrom (src: number, imb: number[], candidate: boolean[]): boolean {
    let best: { s: Slot, dst: number, srcimbl: number, dstimbl: number, srcdsum: number, dstdsum: number } | undefined
    for (const s of [...this.byNode[src]]) {
      const srcdsum = this.dsum(s, src)
      const srcimbl = u32(imb[src] - srcdsum)
      for (let dst = 0; dst < this.n; dst++) {
        if (!candidate[dst] || !this.canTakeover(dst, s)) continue
        // dst is already at least as imbalanced as src and its sum cannot wrap: no move helps (saves the dsum).
        if (imb[dst] >= imb[src] && imb[dst] + this.byNode[dst].length * MAX_DIST_SQ < 2 ** 32) continue
        const dstdsum = this.dsum(s, dst)
        const dstimbl = u32(imb[dst] + dstdsum)
        if (dstimbl < imb[src] && dstdsum < srcdsum && (best === undefined || u32(srcimbl + dstimbl) < u32(best.srcimbl + best.dstimbl))) {
          best = { s, dst, srcimbl, dstimbl, srcdsum, dstdsum }
        }
      }
    }
    if (best === undefined) return false
    this.#moveTo(best.s, best.dst)
    imb[src] = best.srcimbl
    imb[best.dst] = best.dstimbl
    this.trace.push(`${src} [-${best.srcdsum}] -> ${best.s.ip} -> ${best.dst} [+${best.dstdsum}]`)
    return true
  }
}

// The smallest non-negative entry of a row and its index (the first one on ties); p = -1 when none.
function minOf (row: number[]): { p: number, v: number } {
  let p = -1
  let v = 0
  for (let i = 0; i < row.length; i++) {
    if (row[i] < 0) continue
    if (p === -1 || row[i] < v) { p = i; v = row[i] }
  }
  return { p, v }
}

// The row's minimum after entry m.p rose from m.v to v: every other entry is >= m.v and those before
// m.p are > m.v, so the first later entry equal to m.v is the new minimum; else search the row.
function nextMin (row: number[], m: { p: number, v: number }, v: number): { p: number, v: number } {
  for (let i = m.p + 1; i < row.length; i++) if (row[i] === m.v) return { p: i, v: m.v }
  return v === m.v ? m : minOf(row)
}
