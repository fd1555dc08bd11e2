// What a node serves to its authenticated peers: heartbeats and recovery phases.
import { HeartbeatSchema, RecoveryRequestSchema } from '../../../protocol/gen/corral/v1/cluster_pb.js'
import { handle, type HandlerEntry } from '../../transport/handlers.js'
import type { ClusterNode } from './node.js'

// Why: node links carry only these requests; the control socket has its own set.
export function nodeHandlers (node: ClusterNode): HandlerEntry[] {
  return [
    handle(HeartbeatSchema, h => {
      node.onHeartbeat({ pnn: h.pnn, flags: h.flags, runstate: h.runstate, generation: h.generation, leader: h.leader, lockHeld: h.lockHeld, startedMs: Number(h.startedMs), recoveryMode: h.recoveryMode })
      return {}
    }),
    handle(RecoveryRequestSchema, async r => {
      await node.recoveryPhase(r.phase, r.generation, r.leader, [...r.vnnmap])
      return {}
    }),
  ]
}
