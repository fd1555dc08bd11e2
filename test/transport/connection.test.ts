import t, { type Test } from 'tap'
import fc from 'fast-check'
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import type { Socket } from 'node:net'
import { create, toBinary } from '@bufbuild/protobuf'
import { PROTOCOL_VERSION } from '../../engine/config/defaults.js'
import { statSync } from 'node:fs'
import { fromBinary } from '@bufbuild/protobuf'
import { EchoSchema, ErrorReplySchema, HelloSchema, PingSchema } from '../../protocol/gen/corral/v1/common_pb.js'
import { EventRunRequestSchema, ScriptListRequestSchema } from '../../protocol/gen/corral/v1/events_pb.js'
import { connectControl, handle } from '../../engine/transport/index.js'
import { encodeFrame, FrameDecoder, FrameFlags } from '../../engine/transport/frame.js'
import { CorralError } from '../../engine/errors/index.js'
import { helloFrame, rawClient, startServer, tempDir, until } from './fixtures/helpers.js'

t.test('a request gets its typed reply over the Unix socket', async t => {
  const { socketPath } = await startServer(t, {
    handlers: [handle(ScriptListRequestSchema, req => ({ scripts: [{ name: `10.${req.component}`, enabled: true }] }))],
  })
  const conn = await connectControl(socketPath, { timeoutMs: 2000 })
  t.teardown(() => conn.close())
  const reply = await conn.request(ScriptListRequestSchema, { component: 'legacy' })
  t.equal(reply.scripts[0]?.name, '10.legacy')
  t.equal(conn.peer?.role, 'daemon')
  const pong = await conn.request(PingSchema, {})
  t.equal(pong.pid, process.pid, 'the built-in Ping answers with the daemon pid')
  t.ok(pong.daemonStartedMs > 0n)
})

t.test('the control socket is created with mode 0600', async t => {
  const { socketPath } = await startServer(t)
  t.equal(statSync(socketPath).mode & 0o777, 0o600)
})

t.test('concurrent requests are matched to their replies by request id', async t => {
  const { socketPath } = await startServer(t, {
    handlers: [handle(EventRunRequestSchema, async req => {
      // Replies come back in the reverse order of the requests.
      await new Promise(r => setTimeout(r, 100 - Number(req.timeoutMs)))
      return { run: { component: req.component, event: req.event } }
    })],
  })
  const conn = await connectControl(socketPath)
  t.teardown(() => conn.close())
  const replies = await Promise.all(Array.from({ length: 50 }, (_, i) =>
    conn.request(EventRunRequestSchema, { component: `c${i}`, event: 'monitor', timeoutMs: i * 2 })))
  t.same(replies.map(r => r.run?.component), Array.from({ length: 50 }, (_, i) => `c${i}`))
})

t.test('a handler error reaches the client as a CorralError with the remote code and message', async t => {
  const { socketPath } = await startServer(t, {
    handlers: [handle(ScriptListRequestSchema, req => { throw new CorralError('CORRAL_E_COMPONENT_NOT_FOUND', `Event dir for ${req.component} does not exist`) })],
  })
  const conn = await connectControl(socketPath)
  t.teardown(() => conn.close())
  await t.rejects(conn.request(ScriptListRequestSchema, { component: 'nfs' }), { name: 'CorralError', code: 'CORRAL_E_COMPONENT_NOT_FOUND', message: 'Event dir for nfs does not exist' })
  t.equal((await conn.request(EchoSchema, { payload: Uint8Array.of(1) })).payload[0], 1, 'the connection stays usable')
})

t.test('a request type without a handler gets CORRAL_E_UNKNOWN_REQUEST and the connection stays open', async t => {
  const { socketPath } = await startServer(t)
  const conn = await connectControl(socketPath)
  t.teardown(() => conn.close())
  await t.rejects(conn.request(EventRunRequestSchema, { component: 'legacy', event: 'monitor' }), { code: 'CORRAL_E_UNKNOWN_REQUEST' })
  t.notOk(conn.closed)
})

t.test('a request with no reply in time rejects with CORRAL_E_REQUEST_TIMEOUT', async t => {
  const { socketPath } = await startServer(t, { handlers: [handle(ScriptListRequestSchema, () => new Promise(() => {}))] })
  const conn = await connectControl(socketPath)
  t.teardown(() => conn.close())
  await t.rejects(conn.request(ScriptListRequestSchema, {}, { timeoutMs: 50 }), { code: 'CORRAL_E_REQUEST_TIMEOUT' })
})

t.test('pending requests reject with CORRAL_E_CONNECTION_CLOSED when the server goes away', async t => {
  const { server, socketPath } = await startServer(t, { handlers: [handle(ScriptListRequestSchema, () => new Promise(() => {}))] })
  const conn = await connectControl(socketPath)
  const rejected = t.rejects(conn.request(ScriptListRequestSchema, {}), { code: 'CORRAL_E_CONNECTION_CLOSED' })
  await until(() => server.connections.size === 1)
  await server.close()
  await rejected
  t.ok(conn.closed)
})

t.test('a stream of 10,000 messages to a slow consumer arrives whole while the server waits for drain', async t => {
  const { server, socketPath } = await startServer(t)
  const conn = await connectControl(socketPath, { timeoutMs: 10_000 })
  t.teardown(() => conn.close())
  const payload = new Uint8Array(1024).fill(7)
  let count = 0
  let maxBuffered = 0
  for await (const item of conn.stream(EchoSchema, { payload, repeat: 10_000 })) {
    if (item.seq !== count) t.fail(`item ${count} came with seq ${item.seq}`)
    count++
    if (count === 1) {
      // Stall the consumer long enough for every buffer between us and the producer to fill.
      await new Promise(r => setTimeout(r, 300))
    }
    if (count % 500 === 0) await new Promise(r => setTimeout(r, 1))
    maxBuffered = Math.max(maxBuffered, conn.stats.bytesIn - count * 1024)
  }
  t.equal(count, 10_000)
  const serverConn = [...server.connections][0]
  t.ok(serverConn !== undefined && serverConn.stats.drainWaits > 0, 'the server paused its producer waiting for drain')
  t.ok(conn.stats.readPauses > 0, 'the client stopped reading while its consumer lagged')
  t.ok(maxBuffered < 2 * 1024 * 1024, `client-side backlog stayed bounded (${maxBuffered} bytes, 10 MB were sent)`)
})

t.test('a stream consumer that stops early leaves the connection usable', async t => {
  const { socketPath } = await startServer(t)
  const conn = await connectControl(socketPath)
  t.teardown(() => conn.close())
  let n = 0
  for await (const _ of conn.stream(EchoSchema, { repeat: 1000 })) if (++n === 3) break
  t.equal(n, 3)
  t.equal((await conn.request(EchoSchema, { payload: Uint8Array.of(9) })).payload[0], 9)
})

// Send bytes on a raw socket after a valid Hello; expect the server to reject them with `code` and close.
async function expectRejected (t: Test, bytes: Buffer, code: string, options: { hello?: boolean, end?: boolean } = {}): Promise<void> {
  const { server, socketPath, warned } = await startServer(t, { maxFrameBytes: 64 * 1024 })
  const raw = await rawClient(socketPath)
  if (options.hello !== false) raw.socket.write(helloFrame())
  raw.socket.write(bytes)
  if (options.end === true) raw.socket.end()
  await raw.closed
  t.equal(server.stats().rejected, 1, 'the server counted the rejection')
  t.equal(warned.length, 1, 'and logged it once')
  t.match(warned[0]?.msg, /closing connection/)
  if (options.end !== true) {
    // The server's last frame is an ErrorReply naming the problem.
    const frames = new FrameDecoder().push(raw.received())
    const last = frames.at(-1)
    t.equal(last?.flags, FrameFlags.RESPONSE | FrameFlags.ERROR)
    t.equal(last !== undefined ? fromBinary(ErrorReplySchema, last.body).code : undefined, code)
  }
  // A well-behaved client on the same server is unaffected.
  const good = await connectControl(socketPath)
  t.equal((await good.request(EchoSchema, { payload: Uint8Array.of(5) })).payload[0], 5, 'a second client still gets replies')
  good.close()
}

t.test('garbage bytes close the connection with CORRAL_E_FRAME_MALFORMED', async t => {
  await expectRejected(t, Buffer.from('GET / HTTP/1.1\r\n\r\n'), 'CORRAL_E_FRAME_TOO_LARGE')
  await expectRejected(t, Buffer.from([0, 0, 0, 4, 1, 2, 3, 4]), 'CORRAL_E_FRAME_MALFORMED')
})

t.test('garbage instead of a Hello fails the handshake', async t => {
  await expectRejected(t, encodeFrame({ type: 3, flags: 0, requestId: 1, body: new Uint8Array() }), 'CORRAL_E_HANDSHAKE', { hello: false })
})

t.test('a truncated frame followed by a close is counted as CORRAL_E_FRAME_TRUNCATED', async t => {
  const { server, socketPath } = await startServer(t)
  const seen: string[] = []
  server.events.on('frame:rejected', ({ error }) => seen.push(error.code))
  const raw = await rawClient(socketPath)
  raw.socket.write(helloFrame())
  raw.socket.end(encodeFrame({ type: 5, flags: 0, requestId: 1, body: new Uint8Array(100) }).subarray(0, 40))
  await raw.closed
  await until(() => seen.length > 0)
  t.same(seen, ['CORRAL_E_FRAME_TRUNCATED'])
  t.equal(server.stats().rejected, 1)
})

t.test('an oversized length header closes the connection with CORRAL_E_FRAME_TOO_LARGE', async t => {
  await expectRejected(t, Buffer.from([0x00, 0x10, 0x00, 0x00]), 'CORRAL_E_FRAME_TOO_LARGE')
})

t.test('a non-zero reserved byte closes the connection with CORRAL_E_FRAME_MALFORMED', async t => {
  const frame = encodeFrame({ type: 5, flags: 0, requestId: 1, body: new Uint8Array() })
  frame[7] = 1
  await expectRejected(t, frame, 'CORRAL_E_FRAME_MALFORMED')
})

t.test('a reply of an unknown message type closes the connection with CORRAL_E_FRAME_MALFORMED', async t => {
  await expectRejected(t, encodeFrame({ type: 999, flags: FrameFlags.RESPONSE, requestId: 1, body: new Uint8Array() }), 'CORRAL_E_FRAME_MALFORMED')
})

t.test('a request of a type this build does not know gets CORRAL_E_UNKNOWN_REQUEST and the link stays up (rolling upgrades)', async t => {
  const { server, socketPath } = await startServer(t, { maxFrameBytes: 64 * 1024 })
  const raw = await rawClient(socketPath)
  raw.socket.write(helloFrame())
  raw.socket.write(encodeFrame({ type: 999, flags: 0, requestId: 7, body: Uint8Array.of(1, 2, 3) }))
  raw.socket.write(encodeFrame({ type: 999, flags: 0, requestId: 8, body: new Uint8Array() }))
  const deadline = Date.now() + 5000
  let replies: ReturnType<FrameDecoder['push']> = []
  while (Date.now() < deadline) {
    replies = new FrameDecoder().push(raw.received()).filter(f => f.requestId !== 0)
    if (replies.length >= 2) break
    await new Promise(resolve => setTimeout(resolve, 10))
  }
  t.same(replies.map(f => f.requestId), [7, 8], 'each unknown request is answered, in order')
  for (const f of replies) {
    t.equal(f.flags, FrameFlags.RESPONSE | FrameFlags.ERROR)
    t.match(fromBinary(ErrorReplySchema, f.body), { code: 'CORRAL_E_UNKNOWN_REQUEST', message: /message type 999 is not known/ })
  }
  t.equal(server.stats().rejected, 0, 'nothing was rejected')
  raw.socket.destroy()
})

t.test('an undecodable body closes the connection with CORRAL_E_FRAME_MALFORMED', async t => {
  await expectRejected(t, encodeFrame({ type: 5, flags: 0, requestId: 1, body: Buffer.from([0xff, 0xff, 0xff]) }), 'CORRAL_E_FRAME_MALFORMED')
})

// A fake daemon: answers the handshake, then sends `after` once the client's first request arrives.
async function fakeDaemon (t: Test, after: Buffer): Promise<string> {
  const { createServer } = await import('node:net')
  const socketPath = join(tempDir(t), 'fake.sock')
  const socks = new Set<Socket>()
  const srv = createServer(sock => {
    socks.add(sock)
    sock.on('error', () => {})
    sock.write(encodeFrame({ type: 1, flags: 0, requestId: 0, body: toBinary(HelloSchema, create(HelloSchema, { version: PROTOCOL_VERSION, role: 'daemon' })) }))
    const decoder = new FrameDecoder()
    let frames = 0
    sock.on('data', chunk => {
      const before = frames
      frames += decoder.push(chunk).length
      if (before < 2 && frames >= 2) sock.write(after)
    })
  })
  await new Promise<void>(r => srv.listen(socketPath, () => r()))
  t.teardown(() => new Promise<void>(r => { for (const s of socks) s.destroy(); srv.close(() => r()) }))
  return socketPath
}

t.test('an ErrorReply the daemon sends before closing rejects pending requests with its code', async t => {
  const body = toBinary(ErrorReplySchema, create(ErrorReplySchema, { code: 'CORRAL_E_FRAME_MALFORMED', message: 'unknown message type 999' }))
  const socketPath = await fakeDaemon(t, encodeFrame({ type: 2, flags: FrameFlags.RESPONSE | FrameFlags.ERROR, requestId: 0, body }))
  const conn = await connectControl(socketPath)
  await t.rejects(conn.request(PingSchema, {}), { code: 'CORRAL_E_FRAME_MALFORMED', message: 'unknown message type 999' })
  t.ok(conn.closed)
})

t.test('a daemon sending an oversized frame makes the client fail with CORRAL_E_FRAME_TOO_LARGE', async t => {
  const socketPath = await fakeDaemon(t, Buffer.from([0x7f, 0, 0, 0]))
  const conn = await connectControl(socketPath)
  await t.rejects(conn.request(PingSchema, {}), { code: 'CORRAL_E_FRAME_TOO_LARGE' })
  t.equal(conn.stats.rejected, 1)
  t.equal(conn.closeError?.code, 'CORRAL_E_FRAME_TOO_LARGE')
})

t.test('our own encoder refuses to send a frame over the maximum size', async t => {
  const { socketPath } = await startServer(t)
  const conn = await connectControl(socketPath, { maxFrameBytes: 4096 })
  t.teardown(() => conn.close())
  await t.rejects(conn.request(EchoSchema, { payload: new Uint8Array(8192) }), { code: 'CORRAL_E_FRAME_TOO_LARGE' })
  t.notOk(conn.closed, 'nothing was sent, so the connection stays open')
})

t.test('a version mismatch is refused with CORRAL_E_PROTOCOL_VERSION', async t => {
  const { server, socketPath } = await startServer(t)
  await t.rejects(connectControl(socketPath, { protocolVersion: 99, timeoutMs: 2000 }), { code: 'CORRAL_E_PROTOCOL_VERSION' })
  // The server sees the client's Hello of version 99 (or the close right after it): counted either way.
  const raw = await rawClient(socketPath)
  raw.socket.write(helloFrame(2))
  await raw.closed
  const frames = new FrameDecoder().push(raw.received())
  t.equal(frames.length, 2, 'the server sent its Hello then an ErrorReply')
  const err = fromBinary(ErrorReplySchema, frames[1]!.body)
  t.equal(err.code, 'CORRAL_E_PROTOCOL_VERSION')
  t.match(err.message, /version 2, this build speaks 1/)
  t.ok(server.stats().rejected >= 1)
})

t.test('a client that sends no Hello is closed after the handshake timeout', async t => {
  const { server, socketPath } = await startServer(t, { handshakeTimeoutMs: 100 })
  const raw = await rawClient(socketPath)
  const started = Date.now()
  await raw.closed
  t.ok(Date.now() - started >= 90, 'not before the timeout')
  t.equal(server.stats().rejected, 1)
  const frames = new FrameDecoder().push(raw.received())
  t.equal(fromBinary(ErrorReplySchema, frames.at(-1)!.body).code, 'CORRAL_E_HANDSHAKE')
})

t.test('connecting to a missing socket fails with CORRAL_E_DAEMON_NOT_RUNNING naming the path', async t => {
  const { socketPath } = await startServer(t)
  const missing = socketPath.replace('corrald.sock', 'nope.sock')
  await t.rejects(connectControl(missing), {
    code: 'CORRAL_E_DAEMON_NOT_RUNNING',
    message: `no corrald is listening on ${missing} (is the daemon running?)`,
  })
})

t.test('a stale socket file is replaced, but a live daemon on it refuses a second server', async t => {
  const { server, socketPath } = await startServer(t)
  await t.rejects(startServer(t, { socketPath }), { code: 'CORRAL_E_DAEMON_RUNNING' })
  t.equal((await (await connectControl(socketPath)).request(PingSchema, {})).pid, process.pid, 'the first server still answers')
  await server.close()
  // Leave a dead socket file behind: a process that listens on it is killed before it can unlink.
  const child = spawn(process.execPath, ['-e', `require('net').createServer().listen(${JSON.stringify(socketPath)}, () => console.log('up'))`], { env: { PATH: process.env.PATH ?? '' } })
  await new Promise((resolve, reject) => {
    child.stdout.once('data', resolve)
    child.once('exit', code => reject(new Error(`listener exited early (${code})`)))
  })
  child.kill('SIGKILL')
  await new Promise(r => child.once('exit', r))
  t.ok(statSync(socketPath).isSocket(), 'the stale socket file is there')
  const second = await startServer(t, { socketPath })
  const conn = await connectControl(second.socketPath)
  t.ok(await conn.request(PingSchema, {}))
  conn.close()
})

t.test('random bytes after the Hello never crash the server, and a good client still gets replies', async t => {
  const { server, socketPath } = await startServer(t, { maxFrameBytes: 4096 })
  await fc.assert(fc.asyncProperty(fc.uint8Array({ minLength: 1, maxLength: 300 }), async bytes => {
    const raw = await rawClient(socketPath)
    raw.socket.write(helloFrame())
    raw.socket.end(bytes)
    await raw.closed
  }), { numRuns: 60 })
  t.ok(server.stats().rejected > 0, `the server rejected ${server.stats().rejected} of 60 garbage streams`)
  const good = await connectControl(socketPath)
  t.equal((await good.request(EchoSchema, { payload: Uint8Array.of(3) })).payload[0], 3)
  good.close()
})
