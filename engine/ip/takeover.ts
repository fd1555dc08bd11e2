// The leader's takeover run (CTDB's takeover helper, ctdb-semantics §3.4): gather what every node
// knows and can host, allocate, then startipreallocate, release, take and ipreallocated, each step
// fenced by the generation, all within one deadline. Transport-free: the caller supplies `call`.
import { CorralError } from '../errors/index.js'
import { allocate, type Algorithm, type AllocationResult } from './alloc.js'

/** One address as a node reported it. */
export interface ReportedIp { ip: string, owner: number, iface: string }

/** What the run needs from the cluster member. */
export interface TakeoverDeps {
  /** Flags per PNN (every PNN of the nodes file; disconnected ones with the DISCONNECTED bit). */
  nodeFlags: number[]
  /** Connected nodes, this one included. */
  connected: number[]
  /** Connected nodes that may host (RUNNING and not inactive). */
  active: number[]
  list (pnn: number, availableOnly: boolean): Promise<ReportedIp[]>
  step (pnn: number, op: 'startipreallocate' | 'release' | 'take' | 'ipreallocated', ip?: string, newOwner?: number): Promise<void>
  algorithm: Algorithm
  noIPFailback: boolean
  noIPTakeover: boolean
  forceRebalance: number[]
  /** Nodes allowed to host (ip hosts set / status callback); null = no restriction. */
  allowed: Set<number> | null
  /** Whole-run deadline, ms (CTDB: 3 x TakeoverTimeout). */
  deadlineMs: number
  /** `[failover] disabled`: only ipreallocated. */
  disabled: boolean
  /** Plan only: gather and allocate, move nothing. */
  dryRun?: boolean
  /** Told the allocation's inputs and result before anything moves (the decision record). */
  onPlan?: (input: TakeoverPlanInput, result: { assignments: Array<{ ip: string, pnn: number }>, moved: Array<{ ip: string, from: number, to: number }> }) => void
}

/** Everything the allocation of a takeover run depends on: what `corral ip plan --replay` reruns. */
export interface TakeoverPlanInput {
  nodeFlags: number[]
  /** Each address, its owner as the nodes reported it (-1: none) and the nodes that reported it available. */
  ips: Array<{ ip: string, owner: number, available: number[] }>
  algorithm: Algorithm
  noIPFailback: boolean
  noIPTakeover: boolean
  forceRebalance: number[]
  /** Nodes allowed to host (ip hosts set, minus status-callback excludes); null = no restriction. */
  allowed: number[] | null
}

// Why: the live run and the offline replay allocate through this one function, so a recorded plan reproduces.
export function planTakeover (p: TakeoverPlanInput): AllocationResult {
  const allowed = p.allowed === null ? null : new Set(p.allowed)
  const ips = p.ips.map(x => ({ ip: x.ip, owner: x.owner, canHost: x.available.filter(pnn => allowed === null || allowed.has(pnn)) }))
  return allocate({ nodeFlags: p.nodeFlags, ips, algorithm: p.algorithm, noIPFailback: p.noIPFailback, noIPTakeover: p.noIPTakeover, forceRebalance: p.forceRebalance })
}

export interface TakeoverResult {
  /** Every address with its owner after the run. */
  assignments: Array<{ ip: string, pnn: number }>
  moved: Array<{ ip: string, from: number, to: number }>
  /** Allocation inputs and trace, for the decision record. */
  trace: string[]
}

/** A run that failed: which nodes failed how often (the most failing one gets ban credits). */
export class TakeoverError extends CorralError {
  constructor (message: string, readonly failures: Map<number, number>) {
    super('CORRAL_E_TAKEOVER_FAILED', message)
  }
}

// Why: one function runs CTDB's order exactly: release everywhere before any take.
export async function takeoverRun (d: TakeoverDeps): Promise<TakeoverResult> {
  const until = Date.now() + d.deadlineMs
  const failures = new Map<number, number>()
  const errors: string[] = []
  const each = async (pnns: number[], fn: (pnn: number) => Promise<void>): Promise<void> => {
    const left = until - Date.now()
    let timer: NodeJS.Timeout | undefined
    const timeout = new Promise<'timeout'>(resolve => { timer = setTimeout(() => resolve('timeout'), Math.max(0, left)) })
    const settled = new Set<number>()
    const results = await Promise.race([Promise.allSettled(pnns.map(async p => { try { await fn(p) } finally { settled.add(p) } })), timeout])
    clearTimeout(timer)
    if (results === 'timeout') {
      // Only the nodes that did not answer are to blame (CTDB credits the failed controls only).
      for (const p of pnns) if (!settled.has(p)) failures.set(p, (failures.get(p) ?? 0) + 1)
      throw new TakeoverError(`takeover run timed out after ${d.deadlineMs} ms`, failures)
    }
    results.forEach((r, i) => {
      if (r.status === 'fulfilled') return
      // A node that refused a stale generation or another leader did its job: a recovery overtook
      // the run. Only real failures earn ban credits.
      const code = (r.reason as { code?: string }).code
      if (code !== 'CORRAL_E_STALE_GENERATION' && code !== 'CORRAL_E_NOT_LEADER') failures.set(pnns[i], (failures.get(pnns[i]) ?? 0) + 1)
      errors.push(`node ${pnns[i]}: ${(r.reason as Error).message}`)
    })
    if (errors.length > 0) throw new TakeoverError(`takeover run failed: ${errors.join('; ')}`, failures)
  }
  const finish = async (): Promise<void> => { await each(d.connected, async p => { await d.step(p, 'ipreallocated') }) }

  if (d.disabled) {
    await finish()
    return { assignments: [], moved: [], trace: ['failover disabled: ipreallocated only'] }
  }
  const known = new Map<number, ReportedIp[]>()
  await each(d.connected, async p => { known.set(p, await d.list(p, false)) })
  const available = new Map<number, Set<string>>()
  await each(d.active, async p => { available.set(p, new Set((await d.list(p, true)).map(x => x.ip))) })

  // Merged list: the owner is the node that says it holds the address; else unassigned.
  const merged = new Map<string, { owner: number, available: number[] }>()
  for (const [pnn, list] of known) {
    for (const x of list) {
      const m = merged.get(x.ip) ?? { owner: -1, available: [] }
      if (x.iface !== '' && x.owner === pnn) m.owner = pnn
      merged.set(x.ip, m)
    }
  }
  for (const [pnn, ips] of available) {
    for (const ip of ips) merged.get(ip)?.available.push(pnn)
  }
  const trace: string[] = []
  if (merged.size === 0) {
    trace.push('No nodes available to host public IPs yet')
    await finish()
    return { assignments: [], moved: [], trace }
  }
  const ips = [...merged].map(([ip, m]) => ({ ip, owner: m.owner, available: m.available.sort((a, b) => a - b) }))
  const input: TakeoverPlanInput = {
    nodeFlags: [...d.nodeFlags], ips, algorithm: d.algorithm, noIPFailback: d.noIPFailback, noIPTakeover: d.noIPTakeover,
    forceRebalance: [...d.forceRebalance], allowed: d.allowed === null ? null : [...d.allowed].sort((a, b) => a - b),
  }
  const r = planTakeover(input)
  trace.push(...r.trace)
  const before = new Map(ips.map(x => [x.ip, x.owner]))
  const moved = r.assignments.filter(a => before.get(a.ip) !== a.pnn).map(a => ({ ip: a.ip, from: before.get(a.ip)!, to: a.pnn }))
  d.onPlan?.(input, { assignments: r.assignments, moved })
  if (d.dryRun === true) return { assignments: r.assignments, moved, trace }

  await each(d.connected, async p => { await d.step(p, 'startipreallocate') })
  // Release: every connected node that knows the address and is not its new owner; all sent at
  // once (each node's event queue runs them in arrival order).
  await each(d.connected, async p => {
    const mine = new Set(known.get(p)?.map(x => x.ip))
    await Promise.all(r.assignments.filter(a => a.pnn !== p && mine.has(a.ip)).map(async a => { await d.step(p, 'release', a.ip, a.pnn) }))
  })
  // Take: every assigned address on its new owner, also when it already holds it ("redundant").
  const owners = [...new Set(r.assignments.filter(a => a.pnn >= 0).map(a => a.pnn))]
  await each(owners, async p => {
    await Promise.all(r.assignments.filter(a => a.pnn === p).map(async a => { await d.step(p, 'take', a.ip) }))
  })
  await finish()
  return { assignments: r.assignments, moved, trace }
}
