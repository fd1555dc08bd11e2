// The control server: a Unix socket (mode 0600) where the CLI and local tools talk to corrald.
import { chmodSync, lstatSync, unlinkSync } from 'node:fs'
import { createConnection, createServer, type Server, type Socket } from 'node:net'
import { CorralError } from '../errors/index.js'
import { echoHandler, pingHandler } from './builtins.js'
import { STALE_SOCKET_PROBE_MS } from './constants.js'
import { Connection, type ConnectionOptions, type WarnLog } from './connection.js'
import { TypedEmitter } from './emitter.js'
import { handlerTable, type HandlerEntry } from './handlers.js'

export interface ControlServerOptions {
  socketPath: string
  /** Request handlers (see handle()); Ping and Echo are answered by built-ins unless given here. */
  handlers: Iterable<HandlerEntry>
  log?: WarnLog
  /** Our role in the Hello. @default 'daemon' */
  role?: string
  pnn?: number
  handshakeTimeoutMs?: number
  maxFrameBytes?: number
  /** Only tests change it. */
  protocolVersion?: number
}

/** Counters over the server's life. */
export interface ControlServerStats {
  accepted: number
  open: number
  /** Connections closed because the peer sent something malformed (bad frame, handshake, version). */
  rejected: number
}

export interface ControlServerEvents {
  'connection:opened': { connection: Connection }
  'frame:rejected': { connection: Connection, error: CorralError }
}

export interface ControlServer {
  readonly socketPath: string
  readonly events: TypedEmitter<ControlServerEvents>
  /** Handshaken connections now open. */
  readonly connections: ReadonlySet<Connection>
  stats (): ControlServerStats
  /** Stop listening, close every connection, remove the socket file. */
  close (): Promise<void>
}

// Why: corrald serves its control socket through one call that owns the socket file's life.
export async function createControlServer (opts: ControlServerOptions): Promise<ControlServer> {
  const handlers = handlerTable(opts.handlers)
  const startedAt = Date.now()
  for (const builtin of [pingHandler(startedAt), echoHandler()]) {
    if (!handlers.has(builtin.type)) handlers.set(builtin.type, builtin)
  }
  await clearStaleSocket(opts.socketPath)

  const events = new TypedEmitter<ControlServerEvents>((err, event) => opts.log?.warn({ err, event }, `a ${String(event)} listener threw`))
  const connections = new Set<Connection>()
  const all = new Set<Connection>()
  const stats: ControlServerStats = { accepted: 0, open: 0, rejected: 0 }
  const connOptions: ConnectionOptions = {
    role: opts.role ?? 'daemon',
    pnn: opts.pnn,
    handlers,
    log: opts.log,
    handshakeTimeoutMs: opts.handshakeTimeoutMs,
    maxFrameBytes: opts.maxFrameBytes,
    protocolVersion: opts.protocolVersion,
  }

  const server = createServer(socket => {
    stats.accepted++
    let conn: Connection
    try {
      conn = new Connection(socket, connOptions)
    } catch (err) {
      opts.log?.warn({ err }, 'cannot set up a control connection')
      socket.destroy()
      return
    }
    all.add(conn)
    conn.events.on('frame:rejected', ({ error }) => {
      stats.rejected++
      events.emit('frame:rejected', { connection: conn, error })
    })
    conn.events.on('connection:closed', () => {
      all.delete(conn)
      connections.delete(conn)
    })
    conn.ready.then(() => {
      if (conn.closed) return
      connections.add(conn)
      events.emit('connection:opened', { connection: conn })
    }, () => {})
  })
  server.on('error', err => opts.log?.warn({ err }, `control socket error: ${err.message}`))

  await listen(server, opts.socketPath)
  chmodSync(opts.socketPath, 0o600)

  let closing: Promise<void> | undefined
  return {
    socketPath: opts.socketPath,
    events,
    connections,
    stats: () => ({ ...stats, open: connections.size }),
    close () {
      closing ??= new Promise<void>(resolve => {
        server.close(() => resolve())
        for (const conn of all) conn.close()
      }).then(() => {
        try { unlinkSync(opts.socketPath) } catch {}
      })
      return closing
    },
  }
}

// Bind with a umask that makes the socket 0600 from its first moment (chmod afterwards re-asserts it).
function listen (server: Server, socketPath: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException): void => {
      reject(new CorralError('CORRAL_E_INTERNAL', `cannot listen on ${socketPath}: ${err.message}`, { cause: err }))
    }
    server.once('error', onError)
    let previous: number | undefined
    try { previous = process.umask(0o177) } catch {} // not allowed in worker threads
    try {
      server.listen(socketPath, () => {
        server.off('error', onError)
        resolve()
      })
    } finally {
      if (previous !== undefined) process.umask(previous)
    }
  })
}

// Remove a leftover socket file only when nothing answers on it; refuse when a daemon does.
async function clearStaleSocket (socketPath: string): Promise<void> {
  let isSocket: boolean
  try {
    isSocket = lstatSync(socketPath).isSocket()
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return
    throw new CorralError('CORRAL_E_INTERNAL', `cannot inspect ${socketPath}: ${(err as Error).message}`, { cause: err })
  }
  if (!isSocket) throw new CorralError('CORRAL_E_INTERNAL', `${socketPath} exists and is not a socket; refusing to replace it`)
  const answer = await probe(socketPath)
  if (answer === 'live') throw new CorralError('CORRAL_E_DAEMON_RUNNING', `a daemon already answers on ${socketPath}`)
  unlinkSync(socketPath)
}

function probe (socketPath: string): Promise<'live' | 'stale'> {
  return new Promise(resolve => {
    const socket: Socket = createConnection(socketPath)
    const done = (answer: 'live' | 'stale'): void => {
      clearTimeout(timer)
      socket.destroy()
      resolve(answer)
    }
    // A listener that accepts is live; one that neither accepts nor refuses in time is busy, so live too.
    const timer = setTimeout(() => done('live'), STALE_SOCKET_PROBE_MS)
    socket.once('connect', () => done('live'))
    socket.once('error', (err: NodeJS.ErrnoException) => done(err.code === 'ECONNREFUSED' || err.code === 'ENOENT' ? 'stale' : 'live'))
  })
}
