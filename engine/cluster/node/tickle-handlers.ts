// The cluster member's side of tickle ACKs: what engine/tickle needs from the node (held addresses,
// peers, the tunable, events), the control requests behind `gettickles`/`addtickle`/`deltickle`, and
// the list a holder pushes over the node links.
import { TickleListRequestSchema, TickleSetRequestSchema, TickleUpdateRequestSchema, type TickleConnection } from '../../../protocol/gen/corral/v1/tickle_pb.js'
import type { MessageInitShape } from '@bufbuild/protobuf'
import type { TickleConnectionSchema } from '../../../protocol/gen/corral/v1/tickle_pb.js'
import { CorralError } from '../../errors/index.js'
import { canonicalIp, requireAddress } from '../../ip/index.js'
import { TICKLE_PUSH_TIMEOUT_MS } from '../../config/defaults.js'
import { normalizeIp, pollEstablished, runTickleHelper, type Connection, type NodeTicklesComponents } from '../../tickle/index.js'
import { handle, type HandlerEntry } from '../../transport/handlers.js'
import type { ClusterNode } from './node.js'

// Why: node.ts builds its NodeTickles from this, so the tickle code never reaches into the node.
export function tickleComponents (node: ClusterNode): NodeTicklesComponents {
  const ips = (): ClusterNode['failover']['ips'] => node.failover.ips
  return {
    pnn: () => node.pnn,
    isPublic: ip => ips().vnns.has(ip),
    held: () => new Set([...ips().vnns.values()].filter(v => v.iface !== null && v.owner === node.pnn).map(v => v.ip)),
    push: async (ip, conns) => {
      await Promise.all(node.connectedLinks().map(async out => {
        await out.request(TickleSetRequestSchema, { ip, connections: conns.map(toProto), fromPnn: node.pnn }, { timeoutMs: TICKLE_PUSH_TIMEOUT_MS })
      }))
    },
    poll: async () => await pollEstablished(),
    send: async conns => { await runTickleHelper(conns) },
    intervalS: () => node.tunables.TickleUpdateInterval,
    realAddresses: node.config.failover.interfaces === 'kernel',
    log: node.log,
    events: node.events,
  }
}

function toProto (c: Connection): MessageInitShape<typeof TickleConnectionSchema> {
  return { src: { ip: c.src.ip, port: c.src.port }, dst: { ip: c.dst.ip, port: c.dst.port } }
}

// A connection off the wire: both ends must be addresses with ports (the peer or client is not trusted).
function fromProto (c: TickleConnection, i: number): Connection {
  const end = (e: TickleConnection['src'], which: string): { ip: string, port: number } => {
    if (e === undefined || e.port < 1 || e.port > 65535) throw new CorralError('CORRAL_E_USAGE', `connection ${i + 1}: ${which} needs an address and a port 1-65535`)
    return { ip: normalizeIp(requireAddress(e.ip)), port: e.port }
  }
  return { src: end(c.src, 'src'), dst: end(c.dst, 'dst') }
}

// Why: node links only: a holder's list for one address.
export function ticklePeerHandlers (node: ClusterNode): HandlerEntry[] {
  return [
    handle(TickleSetRequestSchema, r => ({ applied: node.tickles.applyRemote(canonicalIp(requireAddress(r.ip)), r.connections.map(fromProto)) })),
  ]
}

// Why: served on the control socket and, through `-n`, on the links.
export function tickleControlHandlers (node: ClusterNode): HandlerEntry[] {
  return [
    handle(TickleListRequestSchema, r => {
      const ip = normalizeIp(requireAddress(r.ip))
      return { ip, connections: node.tickles.list(ip, r.port).map(toProto) }
    }),
    handle(TickleUpdateRequestSchema, r => {
      const conns = r.connections.map(fromProto)
      if (r.op === 'add') return node.tickles.add(conns)
      if (r.op === 'del') return node.tickles.remove(conns)
      throw new CorralError('CORRAL_E_USAGE', `unknown tickle operation '${r.op}' (add or del)`)
    }),
  ]
}
