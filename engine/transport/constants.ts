// Transport tuning that is not user configuration. User-facing defaults (protocol version, frame
// size, handshake and request timeouts) live in engine/config/defaults.ts.

/** Stream items a client buffers for a slow consumer before it stops reading the socket. @default 256 */
export const STREAM_HIGH_WATER_MESSAGES = 256
/** Time a closing connection waits for its last bytes to flush before it is destroyed. @default 1000 ms */
export const CLOSE_GRACE_MS = 1_000
/** Time the server waits for an existing socket file to answer before calling it stale. @default 500 ms */
export const STALE_SOCKET_PROBE_MS = 500
/** Request ids are uint32; 0 means "not tied to a request". */
export const MAX_REQUEST_ID = 0xffff_ffff
/** A top-level bytes field at least this large is written to the socket as it is, never copied into the frame. @default 16 KiB */
export const UNCOPIED_BYTES_MIN = 16 * 1024
