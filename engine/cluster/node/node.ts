// The live cluster member: links to every peer, heartbeats and the failure detector, node flags,
// the leader (whoever holds the cluster lock), generations and leader-driven recovery, runstates
// and the monitor loop. Pure rules come from engine/cluster; this file does the I/O and timing.
import { existsSync, readFileSync } from 'node:fs'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { join } from 'node:path'
import { create, fromBinary, toBinary } from '@bufbuild/protobuf'
import { AdminRequestSchema, HeartbeatSchema, RecoveryRequestSchema } from '../../../protocol/gen/corral/v1/cluster_pb.js'
import { typeOfSchema, type RequestSchema } from '../../../protocol/registry.js'
import * as D from '../../config/defaults.js'
import type { CorralConfig } from '../../config/index.js'
import { CorralError } from '../../errors/index.js'
import type { RunRecord } from '../../events/types.js'
import type { Connection } from '../../transport/connection.js'
import type { HandlerEntry } from '../../transport/handlers.js'
import { TypedEmitter } from '../../events/emitter.js'
import { FailureDetector } from '../detector.js'
import {
  canLead, isInactive, NODE_FLAGS_BANNED, NODE_FLAGS_DELETED, NODE_FLAGS_DISCONNECTED, NODE_FLAGS_PERMANENTLY_DISABLED,
  NODE_FLAGS_STOPPED, NODE_FLAGS_UNHEALTHY,
} from '../flags.js'
import { addCredits, clearCredits, INVALID_GENERATION, newGeneration, nodesToBan, type BanBook, type BanTunables } from '../generation.js'
import { ClusterLock } from '../lock/index.js'
import { diffNodes, parseNodes, type NodeEntry } from '../nodes.js'
import { RecoveryMode, Runstate, runstateName, STARTUP_RETRY_S } from '../runstate.js'
import { defaultTunables, parseTunables, type Tunables } from '../tunables.js'
import type { StatusSnapshot } from '../status-format.js'
import { readClusterKey } from './auth.js'
import { dialNodeLink, listenNodeLinks } from './links.js'
import { nodeHandlers } from './peer-handlers.js'
import { Failover } from './failover.js'
import { ipPeerHandlers } from './ip-handlers.js'
import { NodeDatabases } from './databases.js'
import { dbPeerHandlers } from './db-handlers.js'
import { RecoveryError } from '../../recovery/index.js'
import { recoverNodeDatabases } from './db-recovery.js'
import { NodeTickles } from '../../tickle/index.js'
import { tickleComponents, ticklePeerHandlers } from './tickle-handlers.js'
import { DecisionLog } from '../../decisions/index.js'
import { degradedReason, type ServiceHealth } from '../../services/health.js'

/** What the node needs from the daemon: run an event of the legacy component. */
export type RunEvent = (event: string, args?: string[]) => Promise<RunRecord>

export interface NodeLog {
  error (o: object, m: string): void
  warn (o: object, m: string): void
  notice (o: object, m: string): void
  info (o: object, m: string): void
  debug (o: object, m: string): void
}

/** Typed events of the cluster member. */
export interface ClusterEvents {
  [k: string]: unknown
  'node:disconnected': { pnn: number, why: string }
  'node:connected': { pnn: number }
  'leader:elected': { pnn: number }
  'generation:changed': { generation: number }
  /** The recovery this node led finished (its figures, as lastRecovery). */
  'recovery:done': { generation: number, ms: number, records: number, loopLagP99Ms: number }
  /** A node's flags changed: this node's own (pnn = this node) or a peer's as its heartbeat says. */
  'flags:changed': { pnn: number, old: number, flags: number }
  'recovery:started': { generation: number, leader: number }
  'takeover:done': { generation: number, reason: string, ms: number, moved: Array<{ ip: string, from: number, to: number }> }
  'ip:taken': { ip: string, iface: string }
  'ip:released': { ip: string, iface: string }
  /** This node's monitor turned DEGRADED (reason set), changed its reason, or recovered (reason ''). */
  'service:degraded': { reason: string }
}

interface Peer {
  pnn: number
  address: string
  out: Connection | null
  dialing: boolean
  connected: boolean
  flags: number
  runstate: number
  generation: number
  leader: number
  lockHeld: boolean
  startedMs: number
  recoveryMode: number
  /** When its last heartbeat arrived (ms). */
  heardAt: number
}

export class ClusterNode {
  readonly events = new TypedEmitter<ClusterEvents>()
  readonly startedMs = Date.now()
  nodes: NodeEntry[] = []
  pnn = -1
  flags = NODE_FLAGS_UNHEALTHY
  runstate: Runstate = Runstate.UNKNOWN
  generation = INVALID_GENERATION
  recoveryMode: RecoveryMode = RecoveryMode.ACTIVE
  leader: number | null = null
  tunables: Tunables
  lastRecoveryStarted = 0
  lastRecoveryFinished = 0
  recoveries = 0
  readonly lock: ClusterLock | null
  readonly failover: Failover
  readonly databases: NodeDatabases
  /** Tickle ACK lists per public address, and the tickles sent after a take (engine/tickle). */
  readonly tickles: NodeTickles
  /** The leader's decision records (decisions.jsonl in the state dir). */
  readonly decisions: DecisionLog
  readonly peers = new Map<number, Peer>()
  #key: Buffer = Buffer.alloc(0)
  #detector: FailureDetector
  #timers: NodeJS.Timeout[] = []
  #listener: { close (): Promise<void>, stats: { rejected: number } } | null = null
  #outRejected = 0
  #taking = false
  #recovering = false
  #recoveryNeeded = false
  #lastRecoveredSet = ''
  #pendingGeneration = INVALID_GENERATION
  #credits: BanBook = clearCredits()
  #banTimer: NodeJS.Timeout | undefined
  #monitor = { timer: undefined as NodeJS.Timeout | undefined, delayS: 1, ok: 0, fail: 0, timeouts: 0 }
  #stopping = false
  #externalUnhealthy: string | null = null
  /** DEGRADED monitors: shown by status, counted, never a reason to be UNHEALTHY. */
  readonly services: ServiceHealth = { degradedReason: '', degradedTotal: 0 }
  /** Event-loop delay of this process: the membership loop's lag, reported per recovery. */
  readonly loopDelay = monitorEventLoopDelay({ resolution: 10 })
  /** The last recovery's figures, for status and benchmarks. */
  /** Progress of the recovery this node leads now, or null. */
  recoveryProgress: { dbsDone: number, dbsTotal: number, records: number } | null = null
  lastRecovery: { generation: number, ms: number, dbs: number, records: number, loopLagP99Ms: number, loopLagMaxMs: number } | null = null

  constructor (readonly config: CorralConfig, readonly runEvent: RunEvent, readonly log: NodeLog) {
    this.tunables = loadTunables(config.paths.configDir)
    this.#detector = new FailureDetector({ intervalMs: this.tunables.HeartbeatIntervalMs, limit: this.tunables.HeartbeatLimit })
    this.lock = config.cluster.lock === null ? null : new ClusterLock(config.cluster.lock, { logger: log })
    this.lock?.on('lock:lost', l => {
      this.log.error({ reason: l.reason }, `lost the cluster lock: ${l.reason}`)
      if (this.leader === this.pnn) this.#setLeader(null)
    })
    this.decisions = new DecisionLog({ file: join(config.paths.stateDir, D.DECISIONS_FILE_NAME), context: () => ({ pnn: this.pnn, generation: this.generation }), log })
    this.failover = new Failover(this)
    this.databases = new NodeDatabases(this)
    this.tickles = new NodeTickles(tickleComponents(this))
    if (config.cluster.startAsStopped) this.flags |= NODE_FLAGS_STOPPED
    if (config.cluster.startAsDisabled) this.flags |= NODE_FLAGS_PERMANENTLY_DISABLED
  }

  get isLeader (): boolean { return this.leader === this.pnn && this.pnn >= 0 }

  /** True while this node, as leader, runs a recovery. */
  get recovering (): boolean { return this.#recovering }

  #served: HandlerEntry[] = []

  /** Control requests that peers may send on our behalf (`corral -n PNN ...`); set before start(). */
  serve (handlers: HandlerEntry[]): void { this.#served = handlers }

  // Why: every request to one peer goes over its link; one place says what "not connected" means.
  linkTo (pnn: number): Connection {
    const out = this.peers.get(pnn)?.out
    if (out == null) throw new CorralError('CORRAL_E_NODE_UNREACHABLE', `node ${pnn} has no link`)
    return out
  }

  /** Links of every connected peer (for requests sent to all of them). */
  connectedLinks (): Connection[] {
    return [...this.peers.values()].filter(p => p.connected && p.out !== null).map(p => p.out!)
  }

  /** Handlers served on node links (after authentication). */
  peerHandlers (): HandlerEntry[] { return [...nodeHandlers(this), ...ipPeerHandlers(this), ...dbPeerHandlers(this), ...ticklePeerHandlers(this), ...this.#served] }

  // Why: `corral -n PNN` reaches another node through the authenticated links, not a new socket.
  async forward (pnn: number, type: number, body: Uint8Array, signal: AbortSignal): Promise<{ type: number, body: Uint8Array }> {
    const entry = this.#served.find(e => e.type === type)
    if (entry === undefined) throw new CorralError('CORRAL_E_UNKNOWN_REQUEST', `request type ${type} cannot be sent to another node`)
    const req = fromBinary(entry.request, body)
    if (pnn === this.pnn) {
      const out = await entry.fn(req, { requestId: 0, peer: { version: 1, role: 'node', pnn }, signal })
      return { type: typeOfSchema(entry.reply)!, body: toBinary(entry.reply, create(entry.reply, out as never)) }
    }
    const peer = this.peers.get(pnn)
    if (peer === undefined) throw new CorralError('CORRAL_E_NODE_UNKNOWN', `node ${pnn} is not in the nodes file (or is deleted)`)
    if (peer.out === null || !peer.connected) throw new CorralError('CORRAL_E_NODE_UNREACHABLE', `node ${pnn} is not connected`)
    const reply = await peer.out.request(entry.request as RequestSchema, req as never, { timeoutMs: D.FORWARD_TIMEOUT_MS })
    return { type: typeOfSchema(entry.reply)!, body: toBinary(entry.reply, reply as never) }
  }

  // Why: CTDB's start-up order: init, then links and setup, then the first recovery.
  async start (): Promise<void> {
    const file = this.config.cluster.nodesFile
    let text: string
    try {
      text = readFileSync(file, 'utf8')
    } catch (err) {
      throw new CorralError('CORRAL_E_NODES_FILE', `cannot read the nodes file: ${(err as Error).message}`, { place: { file }, cause: err })
    }
    this.nodes = parseNodes(text, file)
    this.#key = readClusterKey(this.config.cluster.keyFile)
    this.failover.load()
    this.runstate = Runstate.INIT
    await this.#lifecycle('init')
    // Addresses left on the interfaces by an earlier run (kill -9, crash) go now, before anyone else
    // can be given them: two hosts must never answer for one address (CTDB's 10.interface init).
    const stale = await this.failover.ips.releaseAll()
    if (stale > 0) this.log.notice({ released: stale }, `released ${stale} public address(es) left from an earlier run`)
    this.#listener = await this.#listen()
    this.databases.open()
    for (const n of this.nodes) {
      if (n.pnn === this.pnn || (n.flags & NODE_FLAGS_DELETED) !== 0) continue
      this.peers.set(n.pnn, newPeer(n.pnn, n.address))
    }
    this.runstate = Runstate.SETUP
    await this.#lifecycle('setup')
    this.runstate = Runstate.FIRST_RECOVERY
    for (const p of this.peers.values()) void this.#dial(p)
    const hb = this.tunables.HeartbeatIntervalMs
    let scheduled = Date.now() + hb
    this.#every(hb, () => {
      const now = Date.now()
      for (const dead of this.#detector.onTick(now, scheduled)) this.#lost(dead, 'no heartbeat')
      scheduled = now + hb
      this.#heartbeat()
    })
    this.#every(D.LEADER_CHECK_INTERVAL_MS, () => { void this.#leaderCheck() })
    this.failover.start()
    this.tickles.start()
    this.log.notice({ pnn: this.pnn, nodes: this.nodes.length, lock: this.config.cluster.lock }, `node ${this.pnn} joined as ${this.nodes[this.pnn].address}`)
  }

  async stop (): Promise<void> {
    this.#stopping = true
    this.runstate = Runstate.SHUTDOWN
    for (const t of this.#timers) clearInterval(t)
    clearTimeout(this.#monitor.timer)
    clearTimeout(this.#banTimer)
    this.failover.stop()
    this.tickles.stop()
    // Give the addresses up before the shutdown event, so no address stays on a node that is gone.
    await this.failover.ips.releaseAll().catch(() => 0)
    await this.runEvent('shutdown').catch(() => undefined)
    if (this.lock?.held === true) await this.lock.release()
    for (const p of this.peers.values()) p.out?.close()
    await this.#listener?.close()
    await this.databases.close()
  }

  #every (ms: number, fn: () => void): void {
    const t = setInterval(fn, ms)
    this.#timers.push(t)
  }

  async #lifecycle (event: 'init' | 'setup'): Promise<void> {
    const r = await this.runEvent(event)
    if (r.state !== 'OK') throw new CorralError('CORRAL_E_EVENT_FAILED', `the ${event} event failed (${r.state}); corrald cannot start (see: corral event status legacy ${event})`)
  }

  // Bind the configured node address, else the first address of the nodes file this host can bind.
  async #listen (): Promise<{ close (): Promise<void>, stats: { rejected: number } }> {
    const want = this.config.cluster.nodeAddress
    const candidates = this.nodes.filter(n => (n.flags & NODE_FLAGS_DELETED) === 0 && (want === null || n.address === want))
    if (want !== null && candidates.length === 0) throw new CorralError('CORRAL_E_NODE_UNKNOWN', `node address ${want} is not in the nodes file`, { place: { file: this.config.cluster.nodesFile } })
    let last: unknown
    for (const n of candidates) {
      try {
        this.pnn = n.pnn
        const l = await listenNodeLinks({
          address: n.address, port: this.config.cluster.port, key: this.#key, myPnn: n.pnn, handlers: this.peerHandlers(), log: this.log,
        })
        return l
      } catch (err) {
        last = err
      }
    }
    throw new CorralError('CORRAL_E_NODE_UNKNOWN', `no address of the nodes file can be bound on this host (${(last as Error | undefined)?.message ?? 'none'})`, { place: { file: this.config.cluster.nodesFile } })
  }

  async #dial (p: Peer): Promise<void> {
    if (p.dialing || p.out !== null || this.#stopping) return
    p.dialing = true
    try {
      const conn = await dialNodeLink({ address: p.address, port: this.config.cluster.port, localAddress: this.nodes[this.pnn].address, key: this.#key, myPnn: this.pnn, timeoutMs: 1000, log: this.log })
      p.out = conn
      conn.events.on('connection:closed', () => {
        this.#outRejected += conn.stats.rejected
        if (p.out === conn) p.out = null
        this.#lost(p.pnn, 'link closed')
        setTimeout(() => { void this.#dial(p) }, D.RECONNECT_DELAY_MS)
      })
      this.#detector.onHeartbeat(p.pnn, Date.now())
      this.#heartbeatTo(p)
    } catch (err) {
      if ((err as CorralError).code === 'CORRAL_E_AUTH') this.log.error({ peer: p.pnn }, (err as Error).message)
      setTimeout(() => { void this.#dial(p) }, D.RECONNECT_DELAY_MS)
    } finally {
      p.dialing = false
    }
  }

  #lost (pnn: number, why: string): void {
    const p = this.peers.get(pnn)
    if (p === undefined) return
    if (!p.connected) { if (why === 'no heartbeat') p.out?.close(); return }
    p.connected = false
    p.lockHeld = false
    // Logged before the link is closed, so the real reason is the one an admin reads.
    this.log.notice({ peer: pnn, why }, `node ${pnn} is DISCONNECTED (${why})`)
    if (why === 'no heartbeat') p.out?.close()
    this.events.emit('node:disconnected', { pnn, why })
    if (this.leader === pnn) this.#setLeader(null)
    // Membership changed: act now rather than at the next leader tick.
    setImmediate(() => { void this.#leaderCheck() })
  }

  /** A heartbeat arrived on an incoming link. */
  onHeartbeat (h: { pnn: number, flags: number, runstate: number, generation: number, leader: number, lockHeld: boolean, startedMs: number, recoveryMode: number }): void {
    const p = this.peers.get(h.pnn)
    if (p === undefined) return
    this.#detector.onHeartbeat(h.pnn, Date.now())
    // A peer's health or runstate changed: the leader decides on a takeover run now, not at its next tick.
    if (this.isLeader && p.connected && (p.flags !== h.flags || p.runstate !== h.runstate)) setImmediate(() => { void this.#leaderCheck() })
    if (p.connected && p.flags !== h.flags) this.events.emit('flags:changed', { pnn: h.pnn, old: p.flags, flags: h.flags })
    Object.assign(p, { flags: h.flags, runstate: h.runstate, generation: h.generation, leader: h.leader, lockHeld: h.lockHeld, startedMs: h.startedMs, recoveryMode: h.recoveryMode, heardAt: Date.now() })
    if (!p.connected && p.out !== null) {
      p.connected = true
      this.log.notice({ peer: h.pnn }, `node ${h.pnn} is connected`)
      this.events.emit('node:connected', { pnn: h.pnn })
      setImmediate(() => { void this.#leaderCheck() })
    }
    if (h.lockHeld && this.leader !== h.pnn && !this.isLeader) this.#setLeader(h.pnn, `node ${h.pnn} holds the cluster lock`, [{ pnn: h.pnn }])
  }

  #heartbeat (): void {
    for (const p of this.peers.values()) this.#heartbeatTo(p)
  }

  #heartbeatTo (p: Peer): void {
    if (p.out === null) return
    p.out.request(HeartbeatSchema, {
      pnn: this.pnn, flags: this.flags, runstate: this.runstate, generation: this.generation, leader: this.leader ?? -1,
      lockHeld: this.isLeader, startedMs: BigInt(this.startedMs), recoveryMode: this.recoveryMode,
    }, { timeoutMs: this.#detector.timeoutMs }).catch(() => {})
  }

  #setLeader (pnn: number | null, reason = '', candidates: Array<{ pnn: number, startedMs?: number }> = []): void {
    if (this.leader === pnn) return
    const previous = this.leader
    this.leader = pnn
    if (pnn === null) return
    this.log.notice({ leader: pnn }, `leader is node ${pnn}`)
    this.decisions.record({ kind: 'election', winner: pnn, previous, candidates, reason })
    this.events.emit('leader:elected', { pnn })
    if (pnn === this.pnn) this.#recoveryNeeded = true
  }

  /** Nodes that take part in recovery: connected and not inactive by their own flags. */
  activeSet (): number[] {
    const out: number[] = []
    if (!isInactive(this.flags)) out.push(this.pnn)
    for (const p of this.peers.values()) if (p.connected && !isInactive(p.flags)) out.push(p.pnn)
    return out.sort((a, b) => a - b)
  }

  async #leaderCheck (): Promise<void> {
    if (this.#stopping) return
    if (isInactive(this.flags) || !canLead(this.flags)) {
      if (this.isLeader) { this.#setLeader(null); await this.lock?.release() }
      return
    }
    if (!this.isLeader) {
      const claimed = [...this.peers.values()].find(p => p.connected && p.lockHeld)
      if (claimed !== undefined) { this.#setLeader(claimed.pnn, `node ${claimed.pnn} holds the cluster lock`, [{ pnn: claimed.pnn }]); return }
      // Eligible nodes as this node sees them (the election record's candidates).
      const cands = [{ pnn: this.pnn, startedMs: this.startedMs }, ...[...this.peers.values()].filter(p => p.connected && canLead(p.flags) && !isInactive(p.flags))]
      if (this.lock === null) {
        // CTDB without a lock: the longest-running eligible node wins, then the highest PNN.
        cands.sort((a, b) => a.startedMs - b.startedMs || b.pnn - a.pnn)
        this.#setLeader(cands[0].pnn, 'no cluster lock: the longest-running eligible node, then the highest PNN', cands.map(c => ({ pnn: c.pnn, startedMs: c.startedMs })))
      } else if (!this.#taking) {
        this.#taking = true
        try {
          const r = await this.lock.take({ timeoutMs: 5000 })
          if (r.status === 'held') this.#setLeader(this.pnn, 'took the cluster lock', cands.map(c => ({ pnn: c.pnn })).sort((a, b) => a.pnn - b.pnn))
          else if (r.status === 'error' || r.status === 'timeout') this.log.warn({ reason: r.reason }, `cluster lock: ${r.status}: ${r.reason ?? ''}`)
        } finally {
          this.#taking = false
        }
      }
    }
    if (!this.isLeader) { await this.failover.leaderTick(); return }
    if (this.#recovering) return
    const set = this.activeSet()
    // A peer is out of date only by a heartbeat sent after the last recovery ended: one still in
    // flight from before the end phase must not start another full recovery.
    const settled = this.lastRecoveryFinished + 2 * this.tunables.HeartbeatIntervalMs
    const stale = set.some(pnn => {
      const p = this.peers.get(pnn)!
      return pnn !== this.pnn && p.heardAt > settled && (p.generation !== this.generation || p.recoveryMode !== RecoveryMode.NORMAL)
    })
    const why = this.#recoveryNeeded
      ? 'recovery needed (new leader, an earlier failure, or asked for)'
      : set.join(',') !== this.#lastRecoveredSet ? `active nodes changed (${this.#lastRecoveredSet === '' ? 'none' : this.#lastRecoveredSet} -> ${set.join(',')})`
        : stale ? 'a node reports another generation or recovery mode'
          : this.recoveryMode !== RecoveryMode.NORMAL ? 'this node is in recovery mode' : null
    if (why !== null) await this.#recover(set, why)
    // After every recovery, and whenever membership or health moved: a takeover run (CTDB's order).
    await this.failover.leaderTick()
  }

  // Why: a failed takeover run gives ban credits to the node that failed most, as CTDB.
  takeoverFailed (failures: Map<number, number>): void {
    const worst = [...failures].sort((a, b) => b[1] - a[1] || a[0] - b[0])[0]
    if (worst === undefined) return
    this.#credits = addCredits(this.#credits, worst[0], 1, Date.now(), this.#banTunables())
    void this.#banCulprits()
  }

  /** `corral notify healthy|unhealthy`: an external monitor's verdict, kept until it changes its mind. */
  externalHealth (healthy: boolean, reason: string): string {
    if (healthy) {
      if (this.#externalUnhealthy === null) return `Node ${this.pnn} has no external health report`
      this.#externalUnhealthy = null
      this.log.notice({}, 'external monitor: healthy')
      // UNHEALTHY goes only when the node's own monitor agrees.
      if (this.#monitor.fail === 0 && this.#monitor.ok >= this.tunables.MonitorRise) this.#setFlag(NODE_FLAGS_UNHEALTHY, false)
      return ''
    }
    this.#externalUnhealthy = reason === '' ? 'no reason given' : reason
    this.log.warn({ reason: this.#externalUnhealthy }, `external monitor: UNHEALTHY (${this.#externalUnhealthy})`)
    this.#setFlag(NODE_FLAGS_UNHEALTHY, true)
    return ''
  }

  /** Node links (both directions) closed for malformed input: a frame, handshake or version problem. */
  get linkProtocolErrors (): number { return (this.#listener?.stats.rejected ?? 0) + this.#outRejected }

  /** Why the node is UNHEALTHY by an external report, or null. */
  get externalUnhealthy (): string | null { return this.#externalUnhealthy }

  // Why: the leader's recovery: a new generation, startrecovery everywhere, then the generation and recovered.
  async #recover (set: number[], reason: string): Promise<void> {
    this.#recovering = true
    this.#recoveryNeeded = false
    const oldGeneration = this.generation
    const gen = newGeneration(this.generation)
    const t0 = Date.now()
    this.log.notice({ generation: gen, nodes: set }, `recovery started: generation ${gen}, nodes ${set.join(',')}`)
    this.loopDelay.enable()
    this.loopDelay.reset()
    let dbs = { count: 0, records: 0 }
    try {
      for (const phase of ['start', 'end'] as const) {
        const results = await Promise.allSettled(set.map(async pnn => {
          if (pnn === this.pnn) return await this.recoveryPhase(phase, gen, this.pnn, set)
          await this.linkTo(pnn).request(RecoveryRequestSchema, { phase, generation: gen, leader: this.pnn, vnnmap: set }, { timeoutMs: D.RECOVERY_PHASE_TIMEOUT_MS })
        }))
        const failed = set.filter((_, i) => results[i].status === 'rejected')
        if (failed.length > 0) {
          // CTDB: each node that made the recovery fail collects a ban credit.
          for (const pnn of failed) this.#credits = addCredits(this.#credits, pnn, 1, Date.now(), this.#banTunables())
          const why = (results.find(r => r.status === 'rejected') as PromiseRejectedResult).reason as Error
          throw new CorralError('CORRAL_E_INTERNAL', `phase ${phase} failed on node(s) ${failed.join(',')}: ${why.message}`)
        }
        // Every node is frozen now: recover every database, all in parallel, before the end phase.
        if (phase === 'start') dbs = await this.#recoverDatabases(gen, set)
      }
      this.#lastRecoveredSet = set.join(',')
      // Every node answered the end phase: it is at this generation now, whatever its last heartbeat said.
      for (const pnn of set) {
        const p = this.peers.get(pnn)
        if (p !== undefined) { p.generation = gen; p.recoveryMode = RecoveryMode.NORMAL }
      }
      this.#credits = clearCredits()
      const lag = { p99: this.loopDelay.percentile(99) / 1e6, max: this.loopDelay.max / 1e6 }
      this.lastRecovery = { generation: gen, ms: Date.now() - t0, dbs: dbs.count, records: dbs.records, loopLagP99Ms: lag.p99, loopLagMaxMs: lag.max }
      this.events.emit('recovery:done', { generation: gen, ms: this.lastRecovery.ms, records: dbs.records, loopLagP99Ms: lag.p99 })
      this.log.notice({ ...this.lastRecovery }, `recovery finished: generation ${gen} in ${Date.now() - t0} ms (${dbs.count} databases, ${dbs.records} records; loop lag p99 ${lag.p99.toFixed(1)} ms)`)
      this.decisions.record({ kind: 'recovery', reason, oldGeneration, newGeneration: gen, nodes: set, databases: { count: dbs.count, records: dbs.records }, outcome: 'ok', ms: this.lastRecovery.ms })
    } catch (err) {
      this.decisions.record({ kind: 'recovery', reason, oldGeneration, newGeneration: gen, nodes: set, databases: { count: dbs.count, records: dbs.records }, outcome: 'failed', error: (err as Error).message, ms: Date.now() - t0 })
      this.#recoveryNeeded = true
      this.log.error({ err: (err as Error).message }, `recovery failed, will retry: ${(err as Error).message}`)
      await this.#banCulprits()
    } finally {
      this.#recovering = false
    }
  }

  async #recoverDatabases (gen: number, set: number[]): Promise<{ count: number, records: number }> {
    try {
      return await recoverNodeDatabases(this, gen, set, p => { this.recoveryProgress = p })
    } catch (err) {
      if (err instanceof RecoveryError) for (const [pnn, n] of err.failures) this.#credits = addCredits(this.#credits, pnn, n, Date.now(), this.#banTunables())
      throw err
    } finally {
      this.recoveryProgress = null
    }
  }

  #banTunables (): BanTunables {
    return { recoveryGracePeriodS: this.tunables.RecoveryGracePeriod, recoveryBanPeriodS: this.tunables.RecoveryBanPeriod, enableBans: this.tunables.EnableBans }
  }

  // Why: CTDB bans a node whose credits reach twice the node count, so one bad node cannot stall recovery forever.
  async #banCulprits (): Promise<void> {
    const before = this.#credits
    const d = nodesToBan(this.#credits, this.nodes.length, this.#banTunables())
    this.#credits = d.book
    for (const b of d.bans) {
      this.log.error({ pnn: b.pnn, seconds: b.seconds }, `banning node ${b.pnn} for ${b.seconds} s: it made ${2 * this.nodes.length} recoveries fail`)
      this.decisions.record({ kind: 'ban', culprit: b.pnn, credits: before.get(b.pnn)?.credits ?? 0, threshold: 2 * this.nodes.length, seconds: b.seconds, reason: 'made recoveries or takeover runs fail' })
      try {
        if (b.pnn === this.pnn) this.admin('ban', b.seconds)
        else await this.peers.get(b.pnn)?.out?.request(AdminRequestSchema, { op: 'ban', seconds: b.seconds }, { timeoutMs: 5000 })
      } catch (err) {
        this.log.warn({ pnn: b.pnn }, `could not ban node ${b.pnn}: ${(err as Error).message}`)
      }
    }
  }

  /** One phase of a recovery on this node (requested by the leader, or by ourselves as leader). */
  async recoveryPhase (phase: string, generation: number, leader: number, vnnmap: number[] = []): Promise<void> {
    if (this.leader !== null && this.leader !== leader) throw new CorralError('CORRAL_E_NOT_LEADER', `node ${leader} is not the leader (node ${this.leader} is)`)
    if (phase === 'start') {
      this.lastRecoveryStarted = Date.now()
      this.recoveryMode = RecoveryMode.ACTIVE
      this.#pendingGeneration = generation
      this.events.emit('recovery:started', { generation, leader })
      this.databases.abortPushes()
      this.databases.freeze(generation)
      if (this.leader === null) this.#setLeader(leader, `node ${leader} started a recovery as leader`, [{ pnn: leader }])
      this.#recoveryEventOk(await this.runEvent('startrecovery'))
      return
    }
    if (phase !== 'end') throw new CorralError('CORRAL_E_USAGE', `unknown recovery phase ${phase}`)
    if (generation !== this.#pendingGeneration) throw new CorralError('CORRAL_E_STALE_GENERATION', `generation ${generation} is not the one this recovery started with (${this.#pendingGeneration})`)
    this.generation = generation
    this.databases.vnnmap = vnnmap.length > 0 ? [...vnnmap] : this.activeSet()
    this.databases.thaw()
    this.recoveryMode = RecoveryMode.NORMAL
    this.lastRecoveryFinished = Date.now()
    this.recoveries++
    this.events.emit('generation:changed', { generation })
    this.#recoveryEventOk(await this.runEvent('recovered'))
    if (this.runstate === Runstate.FIRST_RECOVERY) {
      this.runstate = Runstate.STARTUP
      void this.#startup()
    }
  }

  // A failed startrecovery/recovered fails the recovery (its culprit collects a ban credit); a
  // timed-out one is logged and does not, as in CTDB, so one hung script cannot block recovery.
  #recoveryEventOk (r: RunRecord): void {
    if (r.state === 'FAILED') throw new CorralError('CORRAL_E_EVENT_FAILED', `event ${r.event} failed on node ${this.pnn}`)
    if (r.state === 'TIMEDOUT') this.log.error({ event: r.event }, `event ${r.event} timed out; recovery goes on (see: corral event status legacy ${r.event})`)
  }

  async #startup (): Promise<void> {
    for (;;) {
      if (this.#stopping) return
      const r = await this.runEvent('startup')
      if (r.state === 'OK') break
      this.log.error({ state: r.state }, `startup event ${r.state}; retrying in ${STARTUP_RETRY_S} s`)
      await new Promise(resolve => setTimeout(resolve, STARTUP_RETRY_S * 1000))
    }
    this.runstate = Runstate.RUNNING
    this.log.notice({}, `runstate ${runstateName(this.runstate)}`)
    this.#scheduleMonitor(D.FIRST_MONITOR_DELAY_MS)
  }

  #scheduleMonitor (ms: number): void {
    clearTimeout(this.#monitor.timer)
    if (this.#stopping) return
    this.#monitor.timer = setTimeout(() => { void this.#runMonitor() }, ms)
  }

  // Why: CTDB's monitor with corral's rise/fall and timeout counting, so health does not flap.
  async #runMonitor (): Promise<void> {
    const m = this.#monitor
    if (this.runstate !== Runstate.RUNNING || this.recoveryMode !== RecoveryMode.NORMAL || isInactive(this.flags)) {
      this.#scheduleMonitor(1000)
      return
    }
    const r = await this.runEvent('monitor')
    // Read after the run: a `setvar MonitorFall/MonitorRise` made while it ran applies to its result.
    const t = this.tunables
    const before = this.flags
    if (r.state === 'OK') {
      m.ok++; m.fail = 0; m.timeouts = 0
      if (m.ok >= t.MonitorRise && this.#externalUnhealthy === null) this.#setFlag(NODE_FLAGS_UNHEALTHY, false)
    } else if (r.state === 'TIMEDOUT') {
      m.timeouts++
      if (m.timeouts >= t.MonitorTimeoutCount) { m.fail++; m.ok = 0 }
    } else if (r.state === 'FAILED') {
      m.fail++; m.ok = 0; m.timeouts = 0
    }
    if (r.state === 'OK' || r.state === 'FAILED') this.#noteDegraded(degradedReason(r))
    if (m.fail >= t.MonitorFall) this.#setFlag(NODE_FLAGS_UNHEALTHY, true)
    m.delayS = this.flags !== before ? 1 : Math.min(m.delayS * 2, t.MonitorInterval)
    this.#scheduleMonitor(m.delayS * 1000)
  }

  #noteDegraded (why: string): void {
    if (why !== '') this.services.degradedTotal++
    if (why !== '' && why !== this.services.degradedReason) this.log.warn({ reason: why }, `monitor DEGRADED: ${why}`)
    else if (why === '' && this.services.degradedReason !== '') this.log.notice({}, 'monitor no longer DEGRADED')
    const changed = why !== this.services.degradedReason
    this.services.degradedReason = why
    if (changed) this.events.emit('service:degraded', { reason: why })
  }

  #setFlag (bit: number, on: boolean): boolean {
    const next = on ? this.flags | bit : this.flags & ~bit
    if (next === this.flags) return false
    const wasInactive = isInactive(this.flags)
    this.flags = next
    this.log.notice({ flags: next }, `flags now 0x${next.toString(16)}`)
    this.events.emit('flags:changed', { pnn: this.pnn, old: next ^ bit, flags: next })
    if (!wasInactive && isInactive(next)) {
      this.recoveryMode = RecoveryMode.ACTIVE
      this.generation = INVALID_GENERATION
      // CTDB: a stopped or banned node gives up all its addresses at once.
      void this.failover.ips.releaseAll()
    }
    this.#heartbeat()
    return true
  }

  /** CTDB's disable/enable/stop/continue/ban/unban on this node; returns a message when nothing changed. */
  admin (op: string, seconds: number): string {
    const me = `Node ${this.pnn}`
    const set = (bit: number, on: boolean, already: string): string => this.#setFlag(bit, on) ? '' : `${me} is ${already}`
    switch (op) {
      case 'disable': return set(NODE_FLAGS_PERMANENTLY_DISABLED, true, 'already disabled')
      case 'enable': return set(NODE_FLAGS_PERMANENTLY_DISABLED, false, 'not disabled')
      case 'stop': return set(NODE_FLAGS_STOPPED, true, 'already stopped')
      case 'continue': return set(NODE_FLAGS_STOPPED, false, 'not stopped')
      case 'ban': {
        if (seconds <= 0) throw new CorralError('CORRAL_E_USAGE', 'Ban time cannot be zero')
        if (this.tunables.EnableBans === 0) return 'Bans are disabled (EnableBans=0)'
        clearTimeout(this.#banTimer)
        this.#banTimer = setTimeout(() => { this.#setFlag(NODE_FLAGS_BANNED, false) }, seconds * 1000)
        return set(NODE_FLAGS_BANNED, true, 'already banned')
      }
      case 'unban':
        clearTimeout(this.#banTimer)
        return set(NODE_FLAGS_BANNED, false, 'not banned')
      case 'reloadnodes': return this.#reloadNodes()
      case 'recover':
        this.recoveryMode = RecoveryMode.ACTIVE
        if (this.isLeader) this.#recoveryNeeded = true
        return ''
      default: throw new CorralError('CORRAL_E_USAGE', `unknown admin operation ${op}`)
    }
  }

  // Why: `corral reloadnodes` applies appended and commented-out lines without a restart, with CTDB's checks.
  #reloadNodes (): string {
    const file = this.config.cluster.nodesFile
    const next = parseNodes(readFileSync(file, 'utf8'), file)
    const diff = diffNodes(this.snapshot().nodes.map(n => ({ pnn: n.pnn, address: n.address, flags: n.flags })), next)
    const text = diff.messages.map(m => m.text).join('\n')
    if (!diff.ok) throw new CorralError('CORRAL_E_NODES_FILE', text, { place: { file } })
    if (!diff.reload) return text
    this.nodes = next
    for (const pnn of diff.deleted) {
      const p = this.peers.get(pnn)
      this.peers.delete(pnn)
      this.#detector.removePeer(pnn)
      p?.out?.close()
    }
    for (const pnn of [...diff.added, ...diff.undeleted]) {
      const n = next[pnn]
      if (pnn === this.pnn || (n.flags & NODE_FLAGS_DELETED) !== 0) continue
      const p = newPeer(pnn, n.address)
      this.peers.set(pnn, p)
      void this.#dial(p)
    }
    this.log.notice({ added: diff.added, deleted: diff.deleted, undeleted: diff.undeleted }, `nodes file reloaded: ${text.replace(/\n/g, '; ')}`)
    setImmediate(() => { void this.#leaderCheck() })
    return text
  }

  /** The node's view of the cluster, for `status` and friends. */
  snapshot (): StatusSnapshot {
    return {
      thisPnn: this.pnn,
      nodes: this.nodes.map(n => ({
        pnn: n.pnn,
        address: n.address,
        flags: (n.flags & NODE_FLAGS_DELETED) !== 0
          ? NODE_FLAGS_DELETED
          : n.pnn === this.pnn ? this.flags : (this.peers.get(n.pnn)?.connected === true ? this.peers.get(n.pnn)!.flags : NODE_FLAGS_DISCONNECTED | NODE_FLAGS_UNHEALTHY),
      })),
      generation: this.generation,
      recoveryMode: this.recoveryMode,
      leader: this.leader,
      runstate: this.runstate,
      lockConfigured: this.lock !== null,
      services: { ...this.services },
    }
  }
}

// A peer as known before its first heartbeat: disconnected, no generation, recovery pending.
function newPeer (pnn: number, address: string): Peer {
  return { pnn, address, out: null, dialing: false, connected: false, flags: NODE_FLAGS_DISCONNECTED, runstate: 0, generation: INVALID_GENERATION, leader: -1, lockHeld: false, startedMs: 0, recoveryMode: RecoveryMode.ACTIVE, heardAt: 0 }
}

function loadTunables (configDir: string): Tunables {
  const file = join(configDir, D.TUNABLES_FILE_NAME)
  return existsSync(file) ? parseTunables(readFileSync(file, 'utf8'), file) : defaultTunables()
}
