// Wire framing, pure (no I/O). A frame is a 12-byte header and a protobuf body:
//
//   offset  size  field
//   0       4     length of the rest of the frame (header bytes 4..11 + body), uint32 big-endian
//   4       2     message type id (protocol/registry.ts), uint16 big-endian
//   6       1     flags: RESPONSE 0x01, ERROR 0x02, STREAM_CONTINUES 0x04, STREAM_END 0x08
//   7       1     reserved, must be 0
//   8       4     request id, uint32 big-endian (0 = not tied to a request)
//   12      n     body: the protobuf encoding of the message named by the type id
//
// docs/protocol.md is the prose version for implementers in other languages.
import { MAX_FRAME_BYTES } from '../config/defaults.js'
import { CorralError } from '../errors/index.js'

/** Bytes before the body. */
export const HEADER_BYTES = 12
/** Bytes of the length prefix; the length counts everything after it. */
export const LENGTH_BYTES = 4

/** Flag bits of byte 6. */
export const FrameFlags = {
  /** The frame answers the request with the same id (absent on requests). */
  RESPONSE: 0x01,
  /** The body is an ErrorReply; ends the request (and its stream). */
  ERROR: 0x02,
  /** One item of a server stream; more follow. */
  STREAM_CONTINUES: 0x04,
  /** Last frame of a server stream; its body is empty. */
  STREAM_END: 0x08,
} as const
const KNOWN_FLAGS = FrameFlags.RESPONSE | FrameFlags.ERROR | FrameFlags.STREAM_CONTINUES | FrameFlags.STREAM_END

/** A decoded frame. `body` may share memory with the received chunk: decode it, don't keep it. */
export interface Frame {
  type: number
  flags: number
  requestId: number
  body: Uint8Array
}

// Why: one check for both directions, so we never send what a peer must reject.
export function frameProblem (type: number, flags: number, requestId: number): string | undefined {
  if (!Number.isInteger(type) || type < 0 || type > 0xffff) return `message type ${type} is not a uint16`
  if (!Number.isInteger(requestId) || requestId < 0 || requestId > 0xffffffff) return `request id ${requestId} is not a uint32`
  if (!Number.isInteger(flags) || flags < 0 || (flags & ~KNOWN_FLAGS) !== 0) return `unknown flag bits 0x${(flags & ~KNOWN_FLAGS & 0xff).toString(16)}`
  const streamBits = flags & (FrameFlags.STREAM_CONTINUES | FrameFlags.STREAM_END)
  if (streamBits === (FrameFlags.STREAM_CONTINUES | FrameFlags.STREAM_END)) return 'both STREAM_CONTINUES and STREAM_END are set'
  if ((flags & FrameFlags.RESPONSE) === 0 && flags !== 0) return 'ERROR and STREAM flags are only valid on RESPONSE frames'
  return undefined
}

// Why: the single place that lays out a frame's bytes; one allocation per frame.
export function encodeFrame (frame: Frame, maxFrameBytes: number = MAX_FRAME_BYTES): Buffer {
  const total = checkedFrameBytes(frame.type, frame.flags, frame.requestId, frame.body.length, maxFrameBytes)
  const out = Buffer.allocUnsafe(total)
  writeFrameHeader(out, total, frame.type, frame.flags, frame.requestId)
  out.set(frame.body, HEADER_BYTES)
  return out
}

// Why: a frame whose body goes out in parts (a large payload is never copied into one buffer):
// the header alone, checked as encodeFrame checks a whole frame.
export function encodeFrameHeader (type: number, flags: number, requestId: number, bodyBytes: number, maxFrameBytes: number = MAX_FRAME_BYTES): Buffer {
  const total = checkedFrameBytes(type, flags, requestId, bodyBytes, maxFrameBytes)
  const out = Buffer.allocUnsafe(HEADER_BYTES)
  writeFrameHeader(out, total, type, flags, requestId)
  return out
}

// The frame's whole size, once its header fields and size are known to be valid (before any allocation).
function checkedFrameBytes (type: number, flags: number, requestId: number, bodyBytes: number, maxFrameBytes: number): number {
  const problem = frameProblem(type, flags, requestId)
  if (problem !== undefined) throw new CorralError('CORRAL_E_FRAME_MALFORMED', `cannot encode frame: ${problem}`)
  const total = HEADER_BYTES + bodyBytes
  if (total > maxFrameBytes) {
    throw new CorralError('CORRAL_E_FRAME_TOO_LARGE', `frame of ${total} bytes exceeds the maximum of ${maxFrameBytes} bytes`)
  }
  return total
}

function writeFrameHeader (out: Buffer, total: number, type: number, flags: number, requestId: number): void {
  out.writeUInt32BE(total - LENGTH_BYTES, 0)
  out.writeUInt16BE(type, 4)
  out[6] = flags
  out[7] = 0
  out.writeUInt32BE(requestId, 8)
}

/**
 * Incremental decoder: push chunks as they arrive, get whole frames back.
 * Rejects a bad header as soon as its bytes are in, so an oversized frame is never buffered.
 * After the first error it stays failed and every push throws the same error.
 */
export class FrameDecoder {
  readonly maxFrameBytes: number
  #chunks: Buffer[] = []
  #buffered = 0
  #failed: CorralError | undefined

  constructor (options: { maxFrameBytes?: number } = {}) {
    this.maxFrameBytes = options.maxFrameBytes ?? MAX_FRAME_BYTES
    if (!Number.isInteger(this.maxFrameBytes) || this.maxFrameBytes < HEADER_BYTES) {
      throw new CorralError('CORRAL_E_INTERNAL', `Expected maxFrameBytes to be an integer >= ${HEADER_BYTES}, got ${String(options.maxFrameBytes)}`)
    }
  }

  /** Bytes received but not yet returned as frames. */
  get bufferedBytes (): number {
    return this.#buffered
  }

  /** Feed a chunk; returns the frames it completes (possibly none). Throws CorralError on bad input. */
  push (chunk: Uint8Array): Frame[] {
    if (this.#failed !== undefined) throw this.#failed
    if (chunk.length > 0) {
      this.#chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length))
      this.#buffered += chunk.length
    }
    const frames: Frame[] = []
    try {
      for (;;) {
        const frame = this.#next()
        if (frame === undefined) break
        frames.push(frame)
      }
    } catch (err) {
      this.#failed = err as CorralError
      this.#chunks = []
      this.#buffered = 0
      throw err
    }
    return frames
  }

  /** Call when the stream ends: throws CORRAL_E_FRAME_TRUNCATED if a partial frame is pending. */
  end (): void {
    if (this.#failed !== undefined) throw this.#failed
    if (this.#buffered > 0) {
      this.#failed = new CorralError('CORRAL_E_FRAME_TRUNCATED', `connection closed in the middle of a frame (${this.#buffered} bytes pending)`)
      throw this.#failed
    }
  }

  // Returns the next whole frame, undefined when more bytes are needed, or throws.
  #next (): Frame | undefined {
    if (this.#buffered < LENGTH_BYTES) return undefined
    const head = this.#head(Math.min(this.#buffered, HEADER_BYTES))
    const length = head.readUInt32BE(0)
    if (length < HEADER_BYTES - LENGTH_BYTES) {
      throw new CorralError('CORRAL_E_FRAME_MALFORMED', `frame length ${length} is shorter than the ${HEADER_BYTES - LENGTH_BYTES}-byte header`)
    }
    if (length + LENGTH_BYTES > this.maxFrameBytes) {
      throw new CorralError('CORRAL_E_FRAME_TOO_LARGE', `frame of ${length + LENGTH_BYTES} bytes exceeds the maximum of ${this.maxFrameBytes} bytes`)
    }
    if (head.length >= 8) {
      if (head[7] !== 0) throw new CorralError('CORRAL_E_FRAME_MALFORMED', `reserved header byte is ${head[7]}, must be 0`)
      const problem = frameProblem(0, head[6] ?? 0, 0)
      if (problem !== undefined) throw new CorralError('CORRAL_E_FRAME_MALFORMED', `bad frame header: ${problem}`)
    }
    const total = length + LENGTH_BYTES
    if (this.#buffered < total) return undefined
    const all = this.#head(total)
    const frame: Frame = {
      type: all.readUInt16BE(4),
      flags: all[6] ?? 0,
      requestId: all.readUInt32BE(8),
      body: all.subarray(HEADER_BYTES, total),
    }
    this.#consume(total)
    return frame
  }

  // A buffer whose first n bytes are the first n buffered bytes (coalescing chunks only when needed).
  #head (n: number): Buffer {
    const first = this.#chunks[0]
    if (first !== undefined && first.length >= n) return first
    const joined = Buffer.concat(this.#chunks, this.#buffered)
    this.#chunks = [joined]
    return joined
  }

  #consume (n: number): void {
    const first = this.#chunks[0] as Buffer
    if (first.length === n) this.#chunks.shift()
    else this.#chunks[0] = first.subarray(n)
    this.#buffered -= n
  }
}
