// Typed request handlers: `handle(EventRunRequestSchema, async req => ({ run }))`. A handler returns
// one reply, or an async iterable of replies for a server stream.
import type { DescMessage, Message, MessageInitShape, MessageShape } from '@bufbuild/protobuf'
import { replySchemaFor, typeOfSchema, type ReplyOf, type RequestSchema } from '../../protocol/registry.js'
import { CorralError } from '../errors/index.js'

/** Who is at the other end, from its Hello. */
export interface PeerInfo {
  version: number
  role: string
  pnn: number
}

/** What a handler gets besides the request. */
export interface HandlerContext {
  requestId: number
  peer: PeerInfo
  /** Aborted when the connection closes: stop producing stream items. */
  signal: AbortSignal
}

/** One reply, or a stream of them. */
export type HandlerResult<Rep extends DescMessage> =
  | MessageInitShape<Rep>
  | AsyncIterable<MessageInitShape<Rep>>

/** A typed handler for request schema Req. Throw a CorralError to send an error reply. */
export type Handler<Req extends RequestSchema> =
  (request: MessageShape<Req>, ctx: HandlerContext) => HandlerResult<ReplyOf<Req>> | Promise<HandlerResult<ReplyOf<Req>>>

/** A registered handler with its wire ids, as the server keeps it. */
export interface HandlerEntry {
  readonly type: number
  readonly request: DescMessage
  readonly reply: DescMessage
  readonly fn: (request: Message, ctx: HandlerContext) => unknown
}

// Why: pairs a handler with its schemas once, so dispatch needs no per-request lookups.
export function handle<Req extends RequestSchema> (request: Req, fn: Handler<Req>): HandlerEntry {
  const type = typeOfSchema(request)
  const reply = replySchemaFor(request)
  if (type === undefined || reply === undefined) {
    throw new CorralError('CORRAL_E_INTERNAL', `${request.typeName} is not a request type in protocol/registry.ts`)
  }
  return { type, request, reply, fn: fn as unknown as HandlerEntry['fn'] }
}

// Why: the server takes a flat list from several components and must refuse two owners for one type.
export function handlerTable (entries: Iterable<HandlerEntry>): Map<number, HandlerEntry> {
  const table = new Map<number, HandlerEntry>()
  for (const entry of entries) {
    if (table.has(entry.type)) throw new CorralError('CORRAL_E_INTERNAL', `two handlers for ${entry.request.typeName}`)
    table.set(entry.type, entry)
  }
  return table
}

// Why: tells a stream result apart from a single reply message.
export function isAsyncIterable (value: unknown): value is AsyncIterable<unknown> {
  return typeof value === 'object' && value !== null && Symbol.asyncIterator in value
}
