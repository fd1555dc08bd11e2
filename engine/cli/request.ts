// Every CLI request goes through here, so `-n PNN` can carry it to another node over the links.
import { create, fromBinary, toBinary, type MessageInitShape, type MessageShape } from '@bufbuild/protobuf'
import { ForwardRequestSchema } from '../../protocol/gen/corral/v1/cluster_pb.js'
import { replySchemaFor, typeOfSchema, type ReplyOf, type RequestSchema } from '../../protocol/registry.js'
import type { Connection, RequestOptions } from '../transport/connection.js'
import { connectControl } from '../transport/client.js'
import { requestTimeoutMs, socketPathOf, type GlobalOptions } from './context.js'

// Why: with -n the local daemon forwards the encoded request to node PNN and returns its reply.
export async function ask<Req extends RequestSchema> (conn: Connection, g: GlobalOptions, schema: Req, msg: MessageInitShape<Req>, opts: RequestOptions = {}): Promise<MessageShape<ReplyOf<Req>>> {
  if (g.node === undefined) return await conn.request(schema, msg, opts)
  const type = typeOfSchema(schema)!
  const reply = replySchemaFor(schema)! as ReplyOf<Req>
  const r = await conn.request(ForwardRequestSchema, { pnn: g.node, type, body: toBinary(schema, create(schema, msg)) }, opts)
  return fromBinary(reply, r.body) as MessageShape<ReplyOf<Req>>
}

// Why: every command opens the control socket the same way and always closes it.
export async function withDaemon<T> (g: GlobalOptions, fn: (c: Connection) => Promise<T>, extraMs = 0): Promise<T> {
  const conn = await connectControl(await socketPathOf(g), { timeoutMs: requestTimeoutMs(g) + extraMs })
  try {
    return await fn(conn)
  } finally {
    conn.close()
  }
}
