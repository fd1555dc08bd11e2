// Public-address failover inside the cluster member: this node's addresses (engine/ip NodeIps),
// the node-side steps of a takeover run fenced by the generation, the periodic consistency check,
// and, on the leader, when to run a takeover (engine/ip takeoverRun) and what to do when it fails.
import { join } from 'node:path'
import { IpAdminRequestSchema, IpListRequestSchema, IpSettingsRequestSchema, IpStepRequestSchema, TakeoverRunRequestSchema } from '../../../protocol/gen/corral/v1/ip_pb.js'
import * as D from '../../config/defaults.js'
import { CorralError } from '../../errors/index.js'
import { canonicalIp, kernelBackend, NodeIps, recordedBackend, takeoverRun, TakeoverError, type Algorithm, type ReportedIp, type TakeoverPlanInput } from '../../ip/index.js'
import type { TakeoverDecision } from '../../decisions/index.js'
import { isInactive } from '../flags.js'
import { RecoveryMode, Runstate } from '../runstate.js'
import { runStatusCallback } from './status-callback.js'
import { loadIpSettings, saveIpSettings, type IpSettings } from './ip-settings.js'
import type { ClusterNode } from './node.js'

const ALGORITHMS: readonly Algorithm[] = ['deterministic', 'nondeterministic', 'lcp2']

/** A takeover run as the leader logs it (the decision record). */
export interface TakeoverRecord { generation: number, reason: string, ms: number, moved: Array<{ ip: string, from: number, to: number }>, assignments: Array<{ ip: string, pnn: number }>, excluded: number[], trace: string[] }

export class Failover {
  readonly ips: NodeIps
  settings: IpSettings
  /** Last completed run on this node as leader. */
  lastRun: TakeoverRecord | null = null
  runs = 0
  #needed: string | null = null
  #running = false
  #fingerprint = ''
  #rebalance = new Set<number>()
  #waiters: Array<{ resolve: (r: TakeoverRecord) => void, reject: (e: Error) => void }> = []
  #checkTimer: NodeJS.Timeout | undefined
  #retryTimer: NodeJS.Timeout | undefined
  #lastStepMs = 0
  #recoveryActiveSince = 0
  #droppedAll = false
  #checking = false

  constructor (readonly node: ClusterNode) {
    const f = node.config.failover
    const backend = f.interfaces === 'kernel' ? kernelBackend() : recordedBackend(join(node.config.paths.stateDir, D.RECORDED_ADDRESSES_FILE_NAME))
    this.ips = new NodeIps({ pnn: () => node.pnn, file: f.publicAddresses, backend, runEvent: async (e, a) => await node.runEvent(e, a), log: node.log, events: node.events })
    this.settings = loadIpSettings(join(node.config.paths.stateDir, D.IP_SETTINGS_FILE_NAME))
  }

  // Why: a bad public_addresses file stops start-up with file:line, as CTDB refuses to start.
  load (): void { this.ips.load() }

  start (): void {
    this.#checkTimer = setInterval(() => { void this.#check() }, this.node.config.failover.checkIntervalS * 1000)
  }

  stop (): void {
    clearInterval(this.#checkTimer)
    clearTimeout(this.#retryTimer)
    for (const w of this.#waiters.splice(0)) w.reject(new CorralError('CORRAL_E_NODE_UNREACHABLE', 'the leader is shutting down'))
  }

  /** The generation and leader of a step must be the current ones, or the step is refused. */
  #fence (generation: number, leader: number, op: string): void {
    const n = this.node
    if (n.leader !== null && n.leader !== leader) throw new CorralError('CORRAL_E_NOT_LEADER', `node ${leader} is not the leader (node ${n.leader} is)`)
    // A stopped or banned node takes no part in recoveries, so it has no generation; it still
    // releases what it is told to (CTDB sends RELEASE_IP to every connected node) but takes nothing.
    if (isInactive(n.flags) && op !== 'take') return
    if (generation !== n.generation || n.recoveryMode !== RecoveryMode.NORMAL) throw new CorralError('CORRAL_E_STALE_GENERATION', `generation ${generation} is not this node's (${n.generation}${n.recoveryMode !== RecoveryMode.NORMAL ? ', in recovery' : ''})`)
  }

  // Why: the node-side half of a takeover run (START_IPREALLOCATE, RELEASE_IP, TAKEOVER_IP, IPREALLOCATED).
  async step (op: string, ip: string, newOwner: number, generation: number, leader: number): Promise<string> {
    this.#fence(generation, leader, op)
    this.#lastStepMs = Date.now()
    switch (op) {
      case 'startipreallocate':
        if (this.node.runstate < Runstate.RUNNING) return 'skipped'
        this.#eventOk(await this.node.runEvent('startipreallocate'))
        return 'ran'
      case 'ipreallocated':
        this.#eventOk(await this.node.runEvent('ipreallocated'))
        return 'ran'
      case 'release': return await this.ips.release(ip, newOwner)
      case 'take':
        if (isInactive(this.node.flags)) throw new CorralError('CORRAL_E_IP_NO_INTERFACE', `node ${this.node.pnn} is inactive and hosts no addresses`)
        return await this.ips.take(ip)
      default: throw new CorralError('CORRAL_E_USAGE', `unknown takeover step ${op}`)
    }
  }

  #eventOk (r: { state: string, event: string }): void {
    if (r.state === 'FAILED') throw new CorralError('CORRAL_E_EVENT_FAILED', `event ${r.event} failed on node ${this.node.pnn} (see: corral event status legacy ${r.event})`)
    if (r.state === 'TIMEDOUT') this.node.log.error({ event: r.event }, `event ${r.event} timed out; the takeover run goes on`)
  }

  /** This node's addresses for the leader, as GET_PUBLIC_IPS: known, or only those it can host now. */
  async report (availableOnly: boolean): Promise<ReportedIp[]> {
    const n = this.node
    if (availableOnly && (n.runstate !== Runstate.RUNNING || isInactive(n.flags) || (n.flags & 0x3f) !== 0)) return []
    return (await this.ips.list(availableOnly)).map(v => ({ ip: v.ip, owner: v.owner, iface: v.iface ?? '' }))
  }

  /** Ask for a takeover run (on the leader: queue it; elsewhere: send it to the leader) and wait for it. */
  async request (reason: string, rebalance: number[] = []): Promise<{ generation: number, moved: number, ms: number }> {
    const n = this.node
    if (!n.isLeader) {
      if (n.leader === null) throw new CorralError('CORRAL_E_NOT_LEADER', 'there is no leader yet; try again after the recovery')
      const out = n.peers.get(n.leader)?.out
      if (out == null) throw new CorralError('CORRAL_E_NODE_UNREACHABLE', `the leader (node ${n.leader}) is not connected`)
      const r = await out.request(TakeoverRunRequestSchema, { reason, rebalance }, { timeoutMs: D.TAKEOVER_REQUEST_TIMEOUT_MS })
      return { generation: r.generation, moved: r.moved, ms: r.ms }
    }
    for (const p of rebalance) this.#rebalance.add(p)
    this.#needed ??= reason
    const done = new Promise<TakeoverRecord>((resolve, reject) => this.#waiters.push({ resolve, reject }))
    setImmediate(() => { void this.leaderTick() })
    const rec = await done
    return { generation: rec.generation, moved: rec.moved.length, ms: rec.ms }
  }

  /** Push the cluster-wide hosting restriction to every connected node (and keep it here). */
  async setHosts (hosts: number[] | null): Promise<void> {
    this.applySettings({ restricted: hosts !== null, hosts: hosts ?? [] })
    const n = this.node
    await Promise.all(n.connectedLinks().map(async out => {
      await out.request(IpSettingsRequestSchema, { restricted: hosts !== null, hosts: hosts ?? [] }, { timeoutMs: D.FORWARD_TIMEOUT_MS })
    }))
  }

  applySettings (s: IpSettings): void {
    this.settings = { restricted: s.restricted, hosts: [...s.hosts].sort((a, b) => a - b) }
    saveIpSettings(join(this.node.config.paths.stateDir, D.IP_SETTINGS_FILE_NAME), this.settings)
    this.node.log.notice({ hosts: this.settings.restricted ? this.settings.hosts : 'all' }, this.settings.restricted ? `only nodes ${this.settings.hosts.join(',')} may host public addresses` : 'every healthy node may host public addresses')
    this.#needed ??= 'hosts changed'
  }

  /** Called by the leader after each recovery and on every leader tick. */
  async leaderTick (): Promise<void> {
    const n = this.node
    if (!n.isLeader && this.#waiters.length > 0) {
      for (const w of this.#waiters.splice(0)) w.reject(new CorralError('CORRAL_E_NOT_LEADER', 'this node stopped being the leader before the takeover run; ask again'))
    }
    if (!n.isLeader || n.recoveryMode !== RecoveryMode.NORMAL || this.#running || n.recovering) return
    const fp = this.#fingerprintNow()
    if (fp !== this.#fingerprint) this.#needed ??= 'membership or health changed'
    if (this.#needed === null) return
    const reason = this.#needed
    this.#needed = null
    this.#running = true
    const waiters = this.#waiters.splice(0)
    const t0 = Date.now()
    try {
      const rec = await this.#run(reason)
      this.#fingerprint = fp
      this.#rebalance.clear()
      this.lastRun = rec
      n.events.emit('takeover:done', { generation: rec.generation, reason, ms: rec.ms, moved: rec.moved })
      this.runs++
      n.log.notice({ decision: 'takeover', ...rec, trace: undefined }, `takeover run (${reason}) done in ${rec.ms} ms: ${rec.moved.length === 0 ? 'nothing moved' : rec.moved.map(m => `${m.ip} ${m.from}->${m.to}`).join(', ')}`)
      for (const w of waiters) w.resolve(rec)
    } catch (err) {
      const e = err as Error
      n.log.error({ reason, ms: Date.now() - t0 }, `takeover run failed, retrying: ${e.message}`)
      if (err instanceof TakeoverError) n.takeoverFailed(err.failures)
      this.#needed ??= `retry after: ${e.message}`
      this.#waiters.unshift(...waiters)
      clearTimeout(this.#retryTimer)
      this.#retryTimer = setTimeout(() => { void this.leaderTick() }, D.TAKEOVER_RETRY_MS)
      this.#running = false
      return
    }
    this.#running = false
    if (this.#needed !== null) setImmediate(() => { void this.leaderTick() })
  }

  // What decides whether a run is needed: who is connected, their flags and whether they are RUNNING.
  #fingerprintNow (): string {
    const n = this.node
    const parts = [`${n.pnn}:${n.flags}:${n.runstate === Runstate.RUNNING ? 1 : 0}`]
    for (const p of [...n.peers.values()].sort((a, b) => a.pnn - b.pnn)) if (p.connected) parts.push(`${p.pnn}:${p.flags}:${p.runstate === Runstate.RUNNING ? 1 : 0}`)
    return `${n.generation}|${parts.join(',')}`
  }

  async #call (pnn: number, op: 'startipreallocate' | 'release' | 'take' | 'ipreallocated', generation: number, ip = '', newOwner = -1): Promise<void> {
    const n = this.node
    if (pnn === n.pnn) { await this.step(op, ip, newOwner, generation, n.pnn); return }
    await n.linkTo(pnn).request(IpStepRequestSchema, { op, ip, newOwner, generation, leader: n.pnn }, { timeoutMs: n.tunables.TakeoverTimeout * 1000 })
  }

  async #list (pnn: number, availableOnly: boolean): Promise<ReportedIp[]> {
    const n = this.node
    if (pnn === n.pnn) return await this.report(availableOnly)
    const r = await n.linkTo(pnn).request(IpListRequestSchema, { availableOnly }, { timeoutMs: n.tunables.TakeoverTimeout * 1000 })
    return r.ips.map(x => ({ ip: canonicalIp(x.ip), owner: x.owner, iface: x.iface }))
  }

  #connected (): number[] {
    const n = this.node
    return [n.pnn, ...[...n.peers.values()].filter(p => p.connected).map(p => p.pnn)].sort((a, b) => a - b)
  }

  // Why: `corral ip plan --live`: what a takeover run would do now, computed by the leader, applied nowhere.
  async plan (): Promise<Array<{ ip: string, pnn: number }>> {
    const n = this.node
    if (!n.isLeader) {
      const out = n.leader === null ? null : n.peers.get(n.leader)?.out
      if (out == null) throw new CorralError('CORRAL_E_NOT_LEADER', 'no connected leader to ask for the plan')
      const r = await out.request(TakeoverRunRequestSchema, { reason: 'plan', dryRun: true }, { timeoutMs: D.TAKEOVER_REQUEST_TIMEOUT_MS })
      return r.assignments.map(a => ({ ip: a.ip, pnn: a.pnn }))
    }
    return (await this.#run('plan', true)).assignments
  }

  // Why: CTDB's moveip: release everywhere else, take on the target, ipreallocated; outside the allocator.
  async move (ip: string, target: number): Promise<string> {
    const n = this.node
    if (!n.isLeader) {
      const out = n.leader === null ? null : n.peers.get(n.leader)?.out
      if (out == null) throw new CorralError('CORRAL_E_NOT_LEADER', 'no connected leader to move the address')
      return (await out.request(IpAdminRequestSchema, { op: 'moveip', ip, pnn: target }, { timeoutMs: D.TAKEOVER_REQUEST_TIMEOUT_MS })).message
    }
    const addr = canonicalIp(ip)
    for (let i = 0; this.#running && i < 600; i++) await new Promise(resolve => setTimeout(resolve, 50))
    this.#running = true
    try {
      const generation = n.generation
      const connected = this.#connected()
      if (!connected.includes(target)) throw new CorralError('CORRAL_E_NODE_UNREACHABLE', `node ${target} is not connected`)
      if (!(await this.#list(target, true)).some(x => x.ip === addr)) throw new CorralError('CORRAL_E_IP_CANNOT_HOST', `Node ${target} CANNOT host IP address ${addr}`)
      await Promise.all(connected.filter(p => p !== target).map(async p => { await this.#call(p, 'release', generation, addr, target) }))
      await this.#call(target, 'take', generation, addr)
      await Promise.all(connected.map(async p => { await this.#call(p, 'ipreallocated', generation) }))
      n.log.notice({ decision: 'moveip', ip: addr, to: target, generation }, `moved ${addr} to node ${target}`)
      return ''
    } finally {
      this.#running = false
    }
  }

  async #run (reason: string, dryRun = false): Promise<TakeoverRecord> {
    const n = this.node
    const t0 = Date.now()
    const generation = n.generation
    const snap = n.snapshot()
    const connected = this.#connected()
    const running = (pnn: number): boolean => pnn === n.pnn ? n.runstate === Runstate.RUNNING : n.peers.get(pnn)?.runstate === Runstate.RUNNING
    const flagsOf = (pnn: number): number => snap.nodes[pnn]?.flags ?? 0
    const active = connected.filter(p => running(p) && !isInactive(flagsOf(p)))
    let allowed: Set<number> | null = this.settings.restricted ? new Set(this.settings.hosts) : null
    let excluded: number[] = []
    const cb = n.config.failover.statusCallback
    if (cb !== null && !n.config.failover.disabled) {
      const r = await runStatusCallback(cb, n.config.failover.statusCallbackTimeoutS * 1000, { generation, reason, nodes: snap.nodes.map(x => ({ pnn: x.pnn, flags: x.flags, connected: connected.includes(x.pnn) })) })
      if (r.ok) {
        excluded = r.exclude
        allowed = new Set([...(allowed ?? snap.nodes.map(x => x.pnn))].filter(p => !excluded.includes(p)))
      } else {
        n.log.error({ code: 'CORRAL_E_STATUS_CALLBACK', callback: cb }, `status callback ${cb}: ${r.error}; the takeover run goes on without it`)
      }
    }
    const alg = ALGORITHMS[n.tunables.IPAllocAlgorithm] ?? 'lcp2'
    // The decision record: the allocation's inputs and plan (when it got that far) and the outcome.
    let planned: { input: TakeoverPlanInput, result: NonNullable<TakeoverDecision['outputs']> } | null = null
    const decide = (outcome: 'ok' | 'failed', trace: string[], error?: string): void => {
      if (dryRun) return
      const inputs = planned === null ? null : { ...planned.input, connected, active, ipHosts: this.settings.restricted ? [...this.settings.hosts] : null, excluded }
      n.decisions.record({ kind: 'takeover', generation, reason, inputs, outputs: planned?.result ?? null, outcome, ...(error === undefined ? {} : { error }), ms: Date.now() - t0, trace })
    }
    const r = await takeoverRun({
      nodeFlags: snap.nodes.map(x => x.flags),
      connected,
      active,
      list: async (pnn, availableOnly) => await this.#list(pnn, availableOnly),
      step: async (pnn, op, ip, newOwner) => { await this.#call(pnn, op, generation, ip, newOwner) },
      algorithm: alg,
      noIPFailback: n.tunables.NoIPFailback !== 0,
      noIPTakeover: n.tunables.NoIPTakeover !== 0,
      forceRebalance: [...this.#rebalance],
      allowed,
      deadlineMs: 3 * n.tunables.TakeoverTimeout * 1000,
      disabled: n.config.failover.disabled,
      dryRun,
      onPlan: (input, result) => { planned = { input, result } },
    }).catch((err: Error) => { decide('failed', [], err.message); throw err })
    if (n.generation !== generation) {
      const e = new CorralError('CORRAL_E_STALE_GENERATION', `a recovery (generation ${n.generation}) happened during the takeover run`)
      decide('failed', r.trace, e.message)
      throw e
    }
    decide('ok', r.trace)
    return { generation, reason, ms: Date.now() - t0, moved: r.moved, assignments: r.assignments, excluded, trace: r.trace }
  }

  // Why: CTDB's IP check: addresses this node should hold are on its interfaces and no others are.
  async #check (): Promise<void> {
    const n = this.node
    if (n.recoveryMode !== RecoveryMode.NORMAL) {
      if (this.#recoveryActiveSince === 0) this.#recoveryActiveSince = Date.now()
      // CTDB's RecoveryDropAllIPs: cut off and in recovery this long, give the addresses up.
      if (!this.#droppedAll && Date.now() - this.#recoveryActiveSince > n.tunables.RecoveryDropAllIPs * 1000) {
        this.#droppedAll = true
        n.log.error({}, `in recovery for over ${n.tunables.RecoveryDropAllIPs} s: releasing all public addresses`)
        await this.ips.releaseAll()
      }
      return
    }
    this.#recoveryActiveSince = 0
    this.#droppedAll = false
    if (n.config.failover.disabled || n.runstate !== Runstate.RUNNING || Date.now() - this.#lastStepMs < 2000 || n.leader === null || this.#checking) return
    this.#checking = true
    try {
      const d = await this.ips.drift()
      const problems = [...d.missing.map(ip => `Assigned IP ${ip} not on an interface`), ...d.extra.map(ip => `IP ${ip} incorrectly on an interface`)]
      if ((n.flags & 0x3f) === 0 && !isInactive(n.flags)) {
        for (const v of await this.ips.list(true)) if (v.owner === -1) problems.push(`Unassigned IP ${v.ip} can be served by this node`)
      }
      if (problems.length === 0) return
      for (const p of problems) n.log.warn({ check: 'ip' }, p)
      await this.request(`node ${n.pnn}: ${problems[0]}${problems.length > 1 ? ` (+${problems.length - 1})` : ''}`)
    } catch (err) {
      n.log.warn({}, `address check: ${(err as Error).message}`)
    } finally {
      this.#checking = false
    }
  }
}
