import t from 'tap'
import { createConnection } from 'node:net'
import { HeartbeatSchema, NodeAuthConfirmSchema, NodeAuthSchema } from '../../../protocol/gen/corral/v1/cluster_pb.js'
import { Connection } from '../../../engine/transport/connection.js'
import { handle } from '../../../engine/transport/handlers.js'
import { dialNodeLink, listenNodeLinks } from '../../../engine/cluster/node/links.js'

const key = Buffer.alloc(32, 7)
const warns: string[] = []
const log = { warn: (_o: object, m: string) => { warns.push(m) }, info () {} }
let beats = 0
const PORT = 4394
const listener = await listenNodeLinks({ address: '127.0.0.1', port: PORT, key, myPnn: 0, log, handlers: [handle(HeartbeatSchema, () => { beats++; return {} })] })
t.teardown(() => listener.close())

async function raw (): Promise<Connection> {
  const s = createConnection({ host: '127.0.0.1', port: PORT })
  const c = new Connection(s, { role: 'node', pnn: 9, requestTimeoutMs: 2000 })
  await c.ready
  return c
}

t.test('a peer with the key is admitted and served', async t => {
  const conn = await dialNodeLink({ address: '127.0.0.1', port: PORT, key, myPnn: 1, timeoutMs: 2000, log })
  await conn.request(HeartbeatSchema, { pnn: 1 })
  t.equal(beats, 1)
  conn.close()
})

t.test('a peer with another key is refused by the dialler before it sends anything', async t => {
  await t.rejects(dialNodeLink({ address: '127.0.0.1', port: PORT, key: Buffer.alloc(32, 8), myPnn: 1, timeoutMs: 2000, log }), { code: 'CORRAL_E_AUTH' })
})

t.test('a request before authentication is refused and the link closed', async t => {
  const c = await raw()
  await t.rejects(c.request(HeartbeatSchema, { pnn: 9 }), { code: 'CORRAL_E_AUTH' })
  await new Promise(resolve => setTimeout(resolve, 100))
  t.ok(c.closed, 'closed')
  t.equal(beats, 1, 'the heartbeat was not served')
})

t.test('a wrong proof is refused, counted and logged', async t => {
  const c = await raw()
  await c.request(NodeAuthSchema, { nonce: Buffer.alloc(32, 1), pnn: 9 })
  await t.rejects(c.request(NodeAuthConfirmSchema, { proof: Buffer.alloc(32, 2) }), { code: 'CORRAL_E_AUTH' })
  t.ok(listener.stats.authFailures >= 2)
  t.ok(warns.some(w => /wrong cluster key/.test(w)))
})

t.test('a link closed for a malformed frame is counted as a protocol error', async t => {
  const before = listener.stats.rejected
  const s = createConnection({ host: '127.0.0.1', port: PORT })
  await new Promise<void>(resolve => s.once('connect', () => resolve()))
  s.on('error', () => {})
  s.resume() // read what the server sends (its Hello, its error), so its close reaches us
  // A frame length far over the limit: refused from its 4-byte prefix.
  s.write(Buffer.from([0x7f, 0xff, 0xff, 0xff, 0, 0, 0, 0]))
  await new Promise<void>(resolve => s.once('close', () => resolve()))
  const end = Date.now() + 5000
  while (listener.stats.rejected === before && Date.now() < end) await new Promise(resolve => setTimeout(resolve, 10))
  t.equal(listener.stats.rejected, before + 1)
})
