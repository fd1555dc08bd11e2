// The CLI's way in: connect to corrald's control socket and handshake. Kept light on purpose
// (no logger, no config loader): only node:net, @bufbuild/protobuf and the generated code.
import { createConnection } from 'node:net'
import { REQUEST_TIMEOUT_MS } from '../config/defaults.js'
import { CorralError } from '../errors/index.js'
import { Connection, type WarnLog } from './connection.js'

export interface ConnectOptions {
  /** Time for connect + handshake, and the default for each request. @default REQUEST_TIMEOUT_MS */
  timeoutMs?: number
  /** Our role in the Hello. @default 'cli' */
  role?: string
  pnn?: number
  log?: WarnLog
  maxFrameBytes?: number
  /** Only tests change it. */
  protocolVersion?: number
  /** Stream items buffered before reading pauses; only tests change it. @default STREAM_HIGH_WATER_MESSAGES */
  streamHighWater?: number
}

// Why: every CLI command starts here, and "daemon not running" must read as exactly that.
export function connectControl (socketPath: string, options: ConnectOptions = {}): Promise<Connection> {
  const timeoutMs = options.timeoutMs ?? REQUEST_TIMEOUT_MS
  return new Promise((resolve, reject) => {
    const socket = createConnection(socketPath)
    const timer = setTimeout(() => {
      socket.destroy()
      reject(new CorralError('CORRAL_E_REQUEST_TIMEOUT', `no answer from ${socketPath} within ${timeoutMs} ms`))
    }, timeoutMs)
    socket.once('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer)
      reject(connectError(socketPath, err))
    })
    socket.once('connect', () => {
      const conn = new Connection(socket, {
        role: options.role ?? 'cli',
        pnn: options.pnn,
        log: options.log,
        handshakeTimeoutMs: timeoutMs,
        requestTimeoutMs: timeoutMs,
        maxFrameBytes: options.maxFrameBytes,
        protocolVersion: options.protocolVersion,
        streamHighWater: options.streamHighWater,
      })
      conn.ready.then(() => { clearTimeout(timer); resolve(conn) }, err => { clearTimeout(timer); reject(err) })
    })
  })
}

// Map a failed connect to the error a user can act on.
function connectError (socketPath: string, err: NodeJS.ErrnoException): CorralError {
  if (err.code === 'ENOENT' || err.code === 'ECONNREFUSED') {
    return new CorralError('CORRAL_E_DAEMON_NOT_RUNNING', `no corrald is listening on ${socketPath} (is the daemon running?)`, { cause: err })
  }
  if (err.code === 'EACCES' || err.code === 'EPERM') {
    return new CorralError('CORRAL_E_CONNECTION_CLOSED', `permission denied on ${socketPath} (the control socket is mode 0600: run as its owner)`, { cause: err })
  }
  return new CorralError('CORRAL_E_CONNECTION_CLOSED', `cannot connect to ${socketPath}: ${err.message}`, { cause: err })
}
