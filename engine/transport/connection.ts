// One framed protocol connection over a stream socket (Unix or TCP), symmetric: either side may
// send requests and serve them. Handshake first, then request/response and server streams.
// Anything malformed is answered with an ErrorReply, counted, logged once, and the connection is
// closed; nothing a peer sends can throw out of a socket callback.
import type { Socket } from 'node:net'
import { fromBinary, type DescMessage, type Message, type MessageInitShape, type MessageShape } from '@bufbuild/protobuf'
import { ErrorReplySchema, HelloSchema } from '../../protocol/gen/corral/v1/common_pb.js'
import { MessageType, replySchemaFor, schemaForType, typeOfSchema, type ReplyOf, type RequestSchema } from '../../protocol/registry.js'
import { HANDSHAKE_TIMEOUT_MS, MAX_FRAME_BYTES, PROTOCOL_VERSION, REQUEST_TIMEOUT_MS } from '../config/defaults.js'
import { CorralError, ERRORS, type ErrorCode } from '../errors/index.js'
import { CLOSE_GRACE_MS, MAX_REQUEST_ID, STREAM_HIGH_WATER_MESSAGES } from './constants.js'
import { TypedEmitter } from './emitter.js'
import { encodeBody } from './body.js'
import { encodeFrame, encodeFrameHeader, FrameDecoder, FrameFlags, HEADER_BYTES, type Frame } from './frame.js'
import { isAsyncIterable, type HandlerEntry, type PeerInfo } from './handlers.js'

/** Where problems are reported; a pino logger fits. */
export interface WarnLog {
  warn (obj: object, msg: string): void
}

/** Typed events of a connection. */
export interface ConnectionEvents {
  /** The connection is closed; `error` says why when it was not a clean close. */
  'connection:closed': { error: CorralError | undefined }
  /** Bad input from the peer was rejected; the connection closes right after. */
  'frame:rejected': { error: CorralError }
}

export interface ConnectionOptions {
  /** Our role in the Hello: "cli", "daemon" or "node". */
  role: string
  /** Our node number in the Hello. @default 0 */
  pnn?: number
  /** Requests this side serves, by type id; others get CORRAL_E_UNKNOWN_REQUEST. */
  handlers?: ReadonlyMap<number, HandlerEntry>
  log?: WarnLog
  /** @default HANDSHAKE_TIMEOUT_MS */
  handshakeTimeoutMs?: number
  /** @default MAX_FRAME_BYTES */
  maxFrameBytes?: number
  /** Default for request() and stream() without their own timeoutMs. @default REQUEST_TIMEOUT_MS */
  requestTimeoutMs?: number
  /** Stream items buffered for a slow consumer before reading pauses. @default STREAM_HIGH_WATER_MESSAGES */
  streamHighWater?: number
  /** Version announced in the Hello; only tests change it. @default PROTOCOL_VERSION */
  protocolVersion?: number
}

/** Counters for status output and tests. */
export interface ConnectionStats {
  framesIn: number
  framesOut: number
  bytesIn: number
  bytesOut: number
  /** Frames or byte streams rejected as malformed (at most 1: the connection closes). */
  rejected: number
  /** Times a stream producer waited for the socket to drain. */
  drainWaits: number
  /** Times reading was paused because a stream consumer fell behind. */
  readPauses: number
}

export interface RequestOptions {
  /** Reject with CORRAL_E_REQUEST_TIMEOUT after this many ms (for streams: while waiting for an item). */
  timeoutMs?: number
}

interface Pending {
  reply: DescMessage
  stream: StreamState | undefined
  resolve: (msg: Message) => void
  reject: (err: CorralError) => void
}

interface StreamState {
  items: Message[]
  done: boolean
  error: CorralError | undefined
  wake: (() => void) | undefined
}

interface Settlers { resolve: () => void, reject: (err: CorralError) => void }

const RESPONSE_ERROR = FrameFlags.RESPONSE | FrameFlags.ERROR

// Why: the server and the client both need a handshaken connection from a raw socket.
export function openConnection (socket: Socket, options: ConnectionOptions): Promise<Connection> {
  const conn = new Connection(socket, options)
  return conn.ready.then(() => conn)
}

export class Connection {
  readonly events: TypedEmitter<ConnectionEvents>
  readonly stats: ConnectionStats = { framesIn: 0, framesOut: 0, bytesIn: 0, bytesOut: 0, rejected: 0, drainWaits: 0, readPauses: 0 }
  /** Resolves when the peer's Hello was accepted; rejects with the handshake failure. */
  readonly ready: Promise<void>
  #socket: Socket
  #opts: Required<Omit<ConnectionOptions, 'handlers' | 'log'>>
  #handlers: ReadonlyMap<number, HandlerEntry>
  #log: WarnLog | undefined
  #decoder: FrameDecoder
  #peer: PeerInfo | undefined
  #closed = false
  #closeError: CorralError | undefined
  #handshakeTimer: NodeJS.Timeout | undefined
  #settleReady: Settlers
  #pending = new Map<number, Pending>()
  #serving = new Set<number>()
  #abort = new AbortController()
  #nextId = 1
  #readHolds = new Set<number>()
  #drainWaiters: Array<() => void> = []
  #corked = false

  constructor (socket: Socket, options: ConnectionOptions) {
    this.#socket = socket
    this.#opts = {
      role: options.role,
      pnn: options.pnn ?? 0,
      handshakeTimeoutMs: options.handshakeTimeoutMs ?? HANDSHAKE_TIMEOUT_MS,
      maxFrameBytes: options.maxFrameBytes ?? MAX_FRAME_BYTES,
      requestTimeoutMs: options.requestTimeoutMs ?? REQUEST_TIMEOUT_MS,
      streamHighWater: options.streamHighWater ?? STREAM_HIGH_WATER_MESSAGES,
      protocolVersion: options.protocolVersion ?? PROTOCOL_VERSION,
    }
    this.#handlers = options.handlers ?? new Map()
    this.#log = options.log
    this.events = new TypedEmitter<ConnectionEvents>((err, event) => this.#log?.warn({ err, event }, `a ${String(event)} listener threw`))
    this.#decoder = new FrameDecoder({ maxFrameBytes: this.#opts.maxFrameBytes })
    let settle!: Settlers
    this.ready = new Promise<void>((resolve, reject) => { settle = { resolve, reject } })
    this.ready.catch(() => {}) // callers that never await it must not see an unhandled rejection
    this.#settleReady = settle

    socket.setNoDelay?.(true)
    socket.on('data', chunk => this.#guard(() => this.#onData(chunk)))
    socket.on('end', () => this.#guard(() => this.#onEnd()))
    socket.on('error', err => this.#guard(() => this.close(new CorralError('CORRAL_E_CONNECTION_CLOSED', `connection failed: ${err.message}`, { cause: err }))))
    socket.on('close', () => this.#guard(() => this.close(this.#closeError ?? new CorralError('CORRAL_E_CONNECTION_CLOSED', 'the peer closed the connection'))))
    socket.on('drain', () => this.#guard(() => this.#onDrain()))

    this.#handshakeTimer = setTimeout(() => this.#guard(() => {
      this.#reject(new CorralError('CORRAL_E_HANDSHAKE', `no Hello from the peer within ${this.#opts.handshakeTimeoutMs} ms`))
    }), this.#opts.handshakeTimeoutMs)
    this.#handshakeTimer.unref?.()
    this.#sendMessage(MessageType.Hello, 0, 0, HelloSchema, { version: this.#opts.protocolVersion, role: this.#opts.role, pnn: this.#opts.pnn })
  }

  /** The peer's Hello, once the handshake is done. */
  get peer (): PeerInfo | undefined {
    return this.#peer
  }

  get closed (): boolean {
    return this.#closed
  }

  /** Why the connection closed (undefined while open or after a clean close by us). */
  get closeError (): CorralError | undefined {
    return this.#closeError
  }

  /** Send a request and wait for its single reply. An error reply rejects with the remote code. */
  request<Req extends RequestSchema> (schema: Req, msg: MessageInitShape<Req>, options: RequestOptions = {}): Promise<MessageShape<ReplyOf<Req>>> {
    return new Promise((resolve, reject) => {
      const start = this.#start(schema, msg, undefined)
      if (start instanceof CorralError) { reject(start); return }
      const { id, pending } = start
      const timeoutMs = options.timeoutMs ?? this.#opts.requestTimeoutMs
      const timer = setTimeout(() => {
        this.#pending.delete(id)
        reject(new CorralError('CORRAL_E_REQUEST_TIMEOUT', `no reply to ${schema.typeName} within ${timeoutMs} ms`))
      }, timeoutMs)
      pending.resolve = m => { clearTimeout(timer); resolve(m as MessageShape<ReplyOf<Req>>) }
      pending.reject = e => { clearTimeout(timer); reject(e) }
    })
  }

  /** Send a request whose reply is a server stream; iterate the items. Reading pauses while the consumer lags. */
  stream<Req extends RequestSchema> (schema: Req, msg: MessageInitShape<Req>, options: RequestOptions = {}): AsyncIterableIterator<MessageShape<ReplyOf<Req>>> {
    const state: StreamState = { items: [], done: false, error: undefined, wake: undefined }
    const start = this.#start(schema, msg, state)
    if (start instanceof CorralError) { state.done = true; state.error = start }
    const id = start instanceof CorralError ? 0 : start.id
    const timeoutMs = options.timeoutMs ?? this.#opts.requestTimeoutMs
    const conn = this
    const finish = (): void => {
      conn.#pending.delete(id)
      conn.#releaseRead(id)
      state.done = true
      state.items = []
    }
    const iterator: AsyncIterableIterator<MessageShape<ReplyOf<Req>>> = {
      [Symbol.asyncIterator] () { return iterator },
      async next () {
        for (;;) {
          const item = state.items.shift()
          if (item !== undefined) {
            if (state.items.length <= conn.#opts.streamHighWater / 2) conn.#releaseRead(id)
            return { value: item as MessageShape<ReplyOf<Req>>, done: false }
          }
          if (state.error !== undefined) { const err = state.error; finish(); throw err }
          if (state.done) { finish(); return { value: undefined, done: true } }
          await new Promise<void>((resolve) => {
            const timer = setTimeout(() => {
              state.error = new CorralError('CORRAL_E_REQUEST_TIMEOUT', `no stream item for ${schema.typeName} within ${timeoutMs} ms`)
              resolve()
            }, timeoutMs)
            state.wake = () => { clearTimeout(timer); state.wake = undefined; resolve() }
          })
        }
      },
      async return () {
        finish()
        return { value: undefined, done: true }
      },
    }
    return iterator
  }

  /** Close the connection; pending requests reject with `error` or CORRAL_E_CONNECTION_CLOSED. */
  close (error?: CorralError): void {
    if (this.#closed) return
    this.#closed = true
    this.#closeError = error
    if (this.#handshakeTimer !== undefined) clearTimeout(this.#handshakeTimer)
    const reason = error ?? new CorralError('CORRAL_E_CONNECTION_CLOSED', 'the connection was closed')
    this.#settleReady.reject(reason)
    const pendingError = error ?? new CorralError('CORRAL_E_CONNECTION_CLOSED', 'the connection closed before the reply arrived')
    for (const p of this.#pending.values()) p.reject(pendingError)
    this.#pending.clear()
    this.#abort.abort(reason)
    this.#serving.clear()
    for (const wake of this.#drainWaiters.splice(0)) wake()
    if (!this.#socket.destroyed) {
      this.#socket.end()
      setTimeout(() => this.#socket.destroy(), CLOSE_GRACE_MS).unref()
    }
    this.events.emit('connection:closed', { error })
  }

  // ---- sending

  #start (schema: DescMessage, msg: unknown, stream: StreamState | undefined): { id: number, pending: Pending } | CorralError {
    if (this.#closed) return this.#closeError ?? new CorralError('CORRAL_E_CONNECTION_CLOSED', 'the connection is closed')
    const type = typeOfSchema(schema)
    const reply = replySchemaFor(schema)
    if (type === undefined || reply === undefined) return new CorralError('CORRAL_E_UNKNOWN_REQUEST', `${schema.typeName} is not a request type`)
    const id = this.#allocateId()
    const pending: Pending = {
      reply,
      stream,
      resolve: () => {},
      reject: err => { if (stream !== undefined) { stream.error = err; stream.wake?.() } },
    }
    const sent = this.#sendMessage(type, 0, id, schema, msg)
    if (sent instanceof CorralError) return sent
    this.#pending.set(id, pending)
    return { id, pending }
  }

  #allocateId (): number {
    for (;;) {
      const id = this.#nextId
      this.#nextId = id >= MAX_REQUEST_ID ? 1 : id + 1
      if (!this.#pending.has(id)) return id
    }
  }

  // Encode and write one message; returns false when the socket asks us to wait for 'drain'.
  #sendMessage (type: number, flags: number, requestId: number, schema: DescMessage, msg: unknown): boolean | CorralError {
    let body: Uint8Array[]
    try {
      body = encodeBody(schema, msg)
    } catch (err) {
      return new CorralError('CORRAL_E_INTERNAL', `cannot encode ${schema.typeName}: ${(err as Error).message}`, { cause: err })
    }
    return this.#writeFrame(type, flags, requestId, body)
  }

  // One part: one buffer with header and body. More: the header, then each part as it is.
  #writeFrame (type: number, flags: number, requestId: number, body: Uint8Array[]): boolean | CorralError {
    let parts: Uint8Array[]
    let bodyBytes = 0
    for (const b of body) bodyBytes += b.length
    try {
      parts = body.length === 1
        ? [encodeFrame({ type, flags, requestId, body: body[0] }, this.#opts.maxFrameBytes)]
        : [encodeFrameHeader(type, flags, requestId, bodyBytes, this.#opts.maxFrameBytes), ...body]
    } catch (err) {
      return err as CorralError
    }
    if (this.#socket.destroyed || !this.#socket.writable) return new CorralError('CORRAL_E_CONNECTION_CLOSED', 'the connection is closed')
    this.stats.framesOut++
    this.stats.bytesOut += HEADER_BYTES + bodyBytes
    if (!this.#corked) {
      // Frames written in the same tick leave in one writev() instead of one syscall each.
      this.#corked = true
      this.#socket.cork()
      process.nextTick(() => { this.#corked = false; this.#socket.uncork() })
    }
    let ok = true
    for (const p of parts) ok = this.#socket.write(p)
    return ok
  }

  #sendError (requestId: number, err: CorralError): void {
    this.#sendMessage(MessageType.ErrorReply, RESPONSE_ERROR, requestId, ErrorReplySchema, { code: err.code, message: err.message })
  }

  // Resolves once the socket drained (or the connection closed).
  #waitDrain (): Promise<void> {
    this.stats.drainWaits++
    return new Promise(resolve => this.#drainWaiters.push(resolve))
  }

  #onDrain (): void {
    for (const wake of this.#drainWaiters.splice(0)) wake()
  }

  // ---- receiving

  #onData (chunk: Buffer): void {
    if (this.#closed) return
    this.stats.bytesIn += chunk.length
    let frames: Frame[]
    try {
      frames = this.#decoder.push(chunk)
    } catch (err) {
      this.#reject(err as CorralError)
      return
    }
    for (const frame of frames) {
      if (this.#closed) return
      this.stats.framesIn++
      this.#onFrame(frame)
    }
  }

  #onEnd (): void {
    if (this.#closed) return
    try {
      this.#decoder.end()
    } catch (err) {
      this.#reject(err as CorralError)
    }
  }

  #onFrame (frame: Frame): void {
    if (this.#peer === undefined) { this.#onHandshakeFrame(frame); return }
    const schema = schemaForType(frame.type)
    if (schema === undefined) {
      // A request type a newer peer knows and this build does not (a rolling upgrade): refuse that
      // request and keep the link. A reply of an unknown type is a broken peer: close.
      const plainRequest = (frame.flags & (FrameFlags.RESPONSE | FrameFlags.ERROR | FrameFlags.STREAM_CONTINUES | FrameFlags.STREAM_END)) === 0
      if (plainRequest && frame.requestId !== 0 && !this.#serving.has(frame.requestId)) {
        this.#sendError(frame.requestId, new CorralError('CORRAL_E_UNKNOWN_REQUEST', `message type ${frame.type} is not known to this build (a newer peer?)`))
        return
      }
      this.#reject(malformed(`unknown message type ${frame.type}`))
      return
    }
    if (frame.type === MessageType.Hello) { this.#reject(malformed('a second Hello after the handshake')); return }
    if ((frame.flags & FrameFlags.RESPONSE) !== 0) this.#onResponse(frame, schema)
    else this.#onRequest(frame, schema)
  }

  #onHandshakeFrame (frame: Frame): void {
    if (frame.type === MessageType.ErrorReply && (frame.flags & FrameFlags.ERROR) !== 0) {
      // The peer refused us (e.g. a version mismatch): take its code as ours.
      const remote = this.#decodeRemoteError(frame)
      if (remote !== undefined) this.close(remote)
      return
    }
    if (frame.type !== MessageType.Hello || frame.flags !== 0 || frame.requestId !== 0) {
      this.#reject(new CorralError('CORRAL_E_HANDSHAKE', `expected a Hello first, got message type ${frame.type}`))
      return
    }
    let hello
    try {
      hello = fromBinary(HelloSchema, frame.body)
    } catch (err) {
      this.#reject(new CorralError('CORRAL_E_HANDSHAKE', `undecodable Hello: ${(err as Error).message}`, { cause: err }))
      return
    }
    if (hello.version !== this.#opts.protocolVersion) {
      this.#reject(new CorralError('CORRAL_E_PROTOCOL_VERSION', `the peer speaks protocol version ${hello.version}, this build speaks ${this.#opts.protocolVersion}`))
      return
    }
    this.#peer = { version: hello.version, role: hello.role, pnn: hello.pnn }
    if (this.#handshakeTimer !== undefined) clearTimeout(this.#handshakeTimer)
    this.#handshakeTimer = undefined
    this.#settleReady.resolve()
  }

  #onResponse (frame: Frame, schema: DescMessage): void {
    const isError = (frame.flags & FrameFlags.ERROR) !== 0
    if (isError && frame.type !== MessageType.ErrorReply) { this.#reject(malformed(`an ERROR frame must carry an ErrorReply, got type ${frame.type}`)); return }
    if (frame.requestId === 0) {
      if (!isError) { this.#reject(malformed('a response frame with request id 0')); return }
      // The peer reports a fatal problem and is about to close: that is why we close.
      const remote = this.#decodeRemoteError(frame)
      if (remote !== undefined) this.close(remote)
      return
    }
    const pending = this.#pending.get(frame.requestId)
    if (pending === undefined) return // a late reply to a request that timed out or was abandoned
    if (isError) {
      const remote = this.#decodeRemoteError(frame)
      if (remote === undefined) return
      this.#pending.delete(frame.requestId)
      pending.reject(remote)
      return
    }
    const ends = (frame.flags & FrameFlags.STREAM_END) !== 0
    const continues = (frame.flags & FrameFlags.STREAM_CONTINUES) !== 0
    if (!ends && schema !== pending.reply) {
      this.#reject(malformed(`reply to request ${frame.requestId} has type ${frame.type}, expected ${typeOfSchema(pending.reply) ?? '?'}`))
      return
    }
    const stream = pending.stream
    if (stream === undefined) {
      if (continues || ends) {
        this.#pending.delete(frame.requestId)
        pending.reject(malformed('the reply is a stream; use stream() for this request'))
        return
      }
      const msg = this.#decodeBody(frame, schema)
      if (msg === undefined) return
      this.#pending.delete(frame.requestId)
      pending.resolve(msg)
      return
    }
    if (!ends) {
      const msg = this.#decodeBody(frame, schema)
      if (msg === undefined) return
      stream.items.push(msg)
      if (stream.items.length >= this.#opts.streamHighWater) this.#holdRead(frame.requestId)
    }
    if (ends || !continues) {
      // STREAM_END, or a single plain reply: the stream has no more items.
      this.#pending.delete(frame.requestId)
      stream.done = true
    }
    stream.wake?.()
  }

  #onRequest (frame: Frame, schema: DescMessage): void {
    const id = frame.requestId
    if (id === 0) { this.#reject(malformed('a request with request id 0')); return }
    if (this.#serving.has(id)) { this.#reject(malformed(`request id ${id} is already in progress`)); return }
    const entry = this.#handlers.get(frame.type)
    if (entry === undefined) {
      const what = replySchemaFor(schema) === undefined ? `${schema.typeName} is not a request` : `no handler for ${schema.typeName} here`
      this.#sendError(id, new CorralError('CORRAL_E_UNKNOWN_REQUEST', what))
      return
    }
    const request = this.#decodeBody(frame, schema)
    if (request === undefined) return
    this.#serving.add(id)
    this.#serve(id, entry, request).catch(err => {
      this.#log?.warn({ err }, 'a request handler failed after its reply')
    }).finally(() => this.#serving.delete(id))
  }

  async #serve (id: number, entry: HandlerEntry, request: Message): Promise<void> {
    const replyType = typeOfSchema(entry.reply) as number
    try {
      const result = await entry.fn(request, { requestId: id, peer: this.#peer as PeerInfo, signal: this.#abort.signal })
      if (this.#closed) return
      if (!isAsyncIterable(result)) {
        const sent = this.#sendMessage(replyType, FrameFlags.RESPONSE, id, entry.reply, result)
        if (sent instanceof CorralError) this.#sendError(id, sent)
        return
      }
      for await (const item of result) {
        if (this.#closed) return
        const sent = this.#sendMessage(replyType, FrameFlags.RESPONSE | FrameFlags.STREAM_CONTINUES, id, entry.reply, item)
        if (sent instanceof CorralError) throw sent
        if (!sent) await this.#waitDrain()
      }
      if (!this.#closed) this.#writeFrame(replyType, FrameFlags.RESPONSE | FrameFlags.STREAM_END, id, [new Uint8Array(0)])
    } catch (err) {
      if (this.#closed) return
      this.#sendError(id, err instanceof CorralError ? err : new CorralError('CORRAL_E_INTERNAL', `${entry.request.typeName} failed: ${(err as Error)?.message ?? String(err)}`, { cause: err }))
    }
  }

  #decodeBody (frame: Frame, schema: DescMessage): Message | undefined {
    try {
      return fromBinary(schema, frame.body)
    } catch (err) {
      this.#reject(malformed(`undecodable ${schema.typeName} body: ${(err as Error).message}`, err))
      return undefined
    }
  }

  // A CorralError carrying the peer's code and message (unknown codes become CORRAL_E_INTERNAL).
  #decodeRemoteError (frame: Frame): CorralError | undefined {
    const body = this.#decodeBody(frame, ErrorReplySchema) as MessageShape<typeof ErrorReplySchema> | undefined
    if (body === undefined) return undefined
    const known = Object.hasOwn(ERRORS, body.code)
    const code: ErrorCode = known ? body.code as ErrorCode : 'CORRAL_E_INTERNAL'
    return new CorralError(code, known ? body.message : `${body.code}: ${body.message}`)
  }

  // Bad input: answer with an ErrorReply if we still can, count, log once, close.
  #reject (err: CorralError): void {
    if (this.#closed) return
    this.stats.rejected++
    this.events.emit('frame:rejected', { error: err })
    this.#log?.warn({ code: err.code, peer: this.#peer, remote: this.#socket.remoteAddress }, `closing connection: ${err.message}`)
    if (this.#socket.writable) this.#sendError(0, err)
    this.close(err)
  }

  // Reading pauses while any stream's consumer is behind.
  #holdRead (id: number): void {
    if (this.#readHolds.has(id)) return
    this.#readHolds.add(id)
    if (this.#readHolds.size === 1) {
      this.stats.readPauses++
      this.#socket.pause()
    }
  }

  #releaseRead (id: number): void {
    if (!this.#readHolds.delete(id)) return
    if (this.#readHolds.size === 0 && !this.#closed) this.#socket.resume()
  }

  // Nothing the peer sends may throw out of a socket callback.
  #guard (fn: () => void): void {
    try {
      fn()
    } catch (err) {
      try {
        this.#log?.warn({ err }, `transport bug while handling input: ${(err as Error)?.message}`)
        this.close(new CorralError('CORRAL_E_INTERNAL', `transport failure: ${(err as Error)?.message}`, { cause: err }))
      } catch {}
    }
  }
}

function malformed (message: string, cause?: unknown): CorralError {
  return new CorralError('CORRAL_E_FRAME_MALFORMED', message, { cause })
}
