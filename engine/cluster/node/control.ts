// The control-socket side of the cluster member: status, admin states, tunables.
import { AdminRequestSchema, ForwardRequestSchema, StatusRequestSchema, TunableRequestSchema } from '../../../protocol/gen/corral/v1/cluster_pb.js'
import { handle, type HandlerEntry } from '../../transport/handlers.js'
import { getvar, listvars, setvar } from '../tunables.js'
import type { ClusterNode } from './node.js'
import { ipControlHandlers } from './ip-handlers.js'
import { dbControlHandlers } from './db-handlers.js'
import { tickleControlHandlers } from './tickle-handlers.js'

// Why: `corral -n PNN ...` arrives here and is carried over the node links.
export function forwardHandler (node: ClusterNode): HandlerEntry {
  return handle(ForwardRequestSchema, async (req, ctx) => await node.forward(req.pnn, req.type, req.body, ctx.signal))
}

// Why: `corral status`, `ban`, `getvar`... reach the node through these requests.
export function controlHandlers (node: ClusterNode): HandlerEntry[] {
  return [
    handle(StatusRequestSchema, () => {
      const s = node.snapshot()
      return {
        thisPnn: s.thisPnn,
        nodes: s.nodes.map(n => ({ pnn: n.pnn, address: n.address, flags: n.flags })),
        generation: s.generation,
        recoveryMode: s.recoveryMode,
        leader: s.leader ?? -1,
        runstate: s.runstate,
        lockConfigured: s.lockConfigured,
        lock: node.config.cluster.lock ?? '',
        startedMs: BigInt(node.startedMs),
        lastRecoveryStartedMs: BigInt(node.lastRecoveryStarted),
        lastRecoveryFinishedMs: BigInt(node.lastRecoveryFinished),
        recoveries: node.recoveries,
        recoveryDbsDone: node.recoveryProgress?.dbsDone ?? 0,
        recoveryDbsTotal: node.recoveryProgress?.dbsTotal ?? 0,
        recoveryRecords: BigInt(node.recoveryProgress?.records ?? 0),
        lastRecoveryMs: node.lastRecovery?.ms ?? 0,
        lastRecoveryRecords: BigInt(node.lastRecovery?.records ?? 0),
        lastRecoveryLoopLagP99Us: Math.round((node.lastRecovery?.loopLagP99Ms ?? 0) * 1000),
        monitorDegradedReason: node.services.degradedReason,
        monitorDegradedTotal: BigInt(node.services.degradedTotal),
      }
    }),
    handle(AdminRequestSchema, req => {
      const message = node.admin(req.op, req.seconds)
      return { message, flags: node.flags }
    }),
    handle(TunableRequestSchema, req => {
      if (req.op === 'list') return { text: listvars(node.tunables) }
      if (req.op === 'get') {
        const g = getvar(node.tunables, req.name)
        return { text: g.line, value: g.value }
      }
      const r = setvar(node.tunables, req.name, req.value)
      node.tunables = r.tunables
      return { text: '', warning: r.warning ?? '' }
    }),
    ...ipControlHandlers(node),
    ...dbControlHandlers(node),
    ...tickleControlHandlers(node),
  ]
}
