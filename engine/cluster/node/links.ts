// Node links: a TCP listener that admits only peers proving the cluster key, and dialling a peer.
import { createConnection, createServer, type Server, type Socket } from 'node:net'
import { NodeAuthConfirmSchema, NodeAuthSchema } from '../../../protocol/gen/corral/v1/cluster_pb.js'
import { CorralError } from '../../errors/index.js'
import { handle, handlerTable, type HandlerEntry } from '../../transport/handlers.js'
import { Connection, type WarnLog } from '../../transport/connection.js'
import { nonce, proof, proofMatches } from './auth.js'

export interface ListenerOptions {
  address: string
  port: number
  key: Buffer
  myPnn: number
  /** Served only after the peer proved the key. */
  handlers: HandlerEntry[]
  log: WarnLog & { info (o: object, m: string): void }
  onAuthenticated?: (peerPnn: number, conn: Connection) => void
}

/** Counters for status and metrics; `rejected`: links closed for malformed input (frame, handshake). */
export interface ListenerStats { accepted: number, authFailures: number, rejected: number }

// Why: every incoming link gets its own auth state; nothing but the auth exchange is served before it.
export function listenNodeLinks (o: ListenerOptions): Promise<{ server: Server, stats: ListenerStats, close (): Promise<void> }> {
  const stats: ListenerStats = { accepted: 0, authFailures: 0, rejected: 0 }
  const conns = new Set<Connection>()
  const server = createServer((socket: Socket) => {
    stats.accepted++
    let authed = false
    let serverNonce: Buffer | undefined
    let clientNonce: Uint8Array | undefined
    let peerPnn = -1
    const fail = (why: string): never => {
      stats.authFailures++
      o.log.warn({ remote: socket.remoteAddress, why }, `refused a node link from ${socket.remoteAddress ?? '?'}: ${why}`)
      setImmediate(() => conn.close(new CorralError('CORRAL_E_AUTH', why)))
      throw new CorralError('CORRAL_E_AUTH', 'cluster key authentication failed')
    }
    const gate = (e: HandlerEntry): HandlerEntry => ({
      ...e,
      fn: (req, ctx) => {
        if (!authed) fail(`request type ${e.request.typeName} before authentication`)
        return e.fn(req, ctx)
      },
    })
    const table = handlerTable([
      handle(NodeAuthSchema, req => {
        if (serverNonce !== undefined) fail('a second NodeAuth')
        serverNonce = nonce()
        clientNonce = req.nonce
        peerPnn = req.pnn
        return { nonce: serverNonce, proof: proof(o.key, 'S', req.nonce, serverNonce) }
      }),
      handle(NodeAuthConfirmSchema, req => {
        if (serverNonce === undefined || clientNonce === undefined) fail('NodeAuthConfirm before NodeAuth')
        if (!proofMatches(proof(o.key, 'C', serverNonce!, clientNonce!), req.proof)) fail('wrong cluster key')
        authed = true
        o.onAuthenticated?.(peerPnn, conn)
        return {}
      }),
      ...o.handlers.map(gate),
    ])
    const conn = new Connection(socket, { role: 'node', pnn: o.myPnn, handlers: table, log: o.log, handshakeTimeoutMs: 2000 })
    conns.add(conn)
    conn.events.on('connection:closed', () => { conns.delete(conn); stats.rejected += conn.stats.rejected })
  })
  return new Promise((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => reject(new CorralError('CORRAL_E_INTERNAL', `cannot listen on ${o.address}:${o.port}: ${err.message}`, { cause: err })))
    server.listen(o.port, o.address, () => {
      resolve({
        server,
        stats,
        close: async () => {
          for (const c of conns) c.close()
          await new Promise<void>(resolve => server.close(() => resolve()))
        },
      })
    })
  })
}

// Why: a node dials each peer, proves the key, and checks that the peer holds it too.
export async function dialNodeLink (o: { address: string, port: number, localAddress?: string, key: Buffer, myPnn: number, timeoutMs: number, log: WarnLog }): Promise<Connection> {
  const socket = await new Promise<Socket>((resolve, reject) => {
    const s = createConnection({ host: o.address, port: o.port, localAddress: o.localAddress })
    const timer = setTimeout(() => { s.destroy(); reject(new CorralError('CORRAL_E_NODE_UNREACHABLE', `no answer from ${o.address}:${o.port}`)) }, o.timeoutMs)
    s.once('connect', () => { clearTimeout(timer); resolve(s) })
    s.once('error', err => { clearTimeout(timer); reject(new CorralError('CORRAL_E_NODE_UNREACHABLE', `cannot reach ${o.address}:${o.port}: ${err.message}`, { cause: err })) })
  })
  const conn = new Connection(socket, { role: 'node', pnn: o.myPnn, log: o.log, handshakeTimeoutMs: o.timeoutMs, requestTimeoutMs: o.timeoutMs })
  try {
    await conn.ready
    const mine = nonce()
    const reply = await conn.request(NodeAuthSchema, { nonce: mine, pnn: o.myPnn })
    if (!proofMatches(proof(o.key, 'S', mine, reply.nonce), reply.proof)) throw new CorralError('CORRAL_E_AUTH', `node ${o.address} does not hold our cluster key`)
    await conn.request(NodeAuthConfirmSchema, { proof: proof(o.key, 'C', reply.nonce, mine) })
    return conn
  } catch (err) {
    conn.close()
    throw err
  }
}
