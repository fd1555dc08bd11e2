import t from 'tap'
import { TypedEmitter } from '../../engine/events/emitter.js'
import { CorralError } from '../../engine/errors/index.js'
import { NodeTickles, type Connection, type NodeTicklesComponents, type TickleEvents } from '../../engine/tickle/index.js'

const P = '198.51.100.1'
const Q = '198.51.100.2'
const conn = (port: number, ip = P): Connection => ({ src: { ip: '192.0.2.9', port }, dst: { ip, port: 445 } })

interface Stub { tk: NodeTickles, events: TypedEmitter<TickleEvents>, sends: Array<{ at: number, n: number }>, pushes: Array<{ ip: string, n: number }>, logs: string[], held: Set<string>, c: NodeTicklesComponents }

function stub (over: Partial<NodeTicklesComponents> = {}): Stub {
  const events = new TypedEmitter<TickleEvents>()
  const sends: Stub['sends'] = []
  const pushes: Stub['pushes'] = []
  const logs: string[] = []
  const held = new Set<string>()
  const log = (level: string) => (_o: object, m: string): void => { logs.push(`${level}: ${m}`) }
  const c: NodeTicklesComponents = {
    pnn: () => 1,
    isPublic: ip => ip === P || ip === Q,
    held: () => held,
    push: async (ip, conns) => { pushes.push({ ip, n: conns.length }) },
    poll: async () => '',
    send: async conns => { sends.push({ at: Date.now(), n: conns.length }) },
    intervalS: () => 3600,
    realAddresses: true,
    log: { error: log('error'), warn: log('warn'), notice: log('notice'), info: log('info'), debug: log('debug') },
    events,
    ...over,
  }
  const tk = new NodeTickles(c)
  return { tk, events, sends, pushes, logs, held, c }
}

const sleep = async (ms: number): Promise<void> => { await new Promise(resolve => setTimeout(resolve, ms)) }

t.test('after a take the known clients get 3 rounds of tickle ACKs about 1.1 s apart', async t => {
  const s = stub()
  s.tk.start()
  t.teardown(() => { s.tk.stop() })
  s.tk.applyRemote(P, [conn(1), conn(2)])
  s.held.add(P)
  s.events.emit('ip:taken', { ip: P, iface: 'eth0' })
  await sleep(3000)
  t.same(s.sends.map(x => x.n), [2, 2, 2], 'three rounds, every connection in each')
  const gaps = s.sends.slice(1).map((x, i) => x.at - s.sends[i].at)
  t.ok(gaps.every(g => g >= 1000 && g < 2000), `rounds about 1.1 s apart (${gaps.join(', ')} ms)`)
  t.same(s.tk.list(P), [], 'the list went to the sender')
  t.same(s.tk.runs.get(P)?.rounds, 3)
})

t.test('a release stops the remaining rounds; a take with no known connection sends nothing', async t => {
  const s = stub()
  s.tk.start()
  t.teardown(() => { s.tk.stop() })
  s.tk.applyRemote(P, [conn(1)])
  s.events.emit('ip:taken', { ip: P, iface: 'eth0' })
  await sleep(200)
  s.events.emit('ip:released', { ip: P, iface: 'eth0' })
  s.events.emit('ip:taken', { ip: Q, iface: 'eth0' })
  await sleep(1500)
  t.equal(s.sends.length, 1, 'one round before the release, none after, none for Q')
})

t.test('recorded addresses (a one-host test cluster): no packet is sent', async t => {
  const s = stub({ realAddresses: false })
  s.tk.start()
  t.teardown(() => { s.tk.stop() })
  s.tk.applyRemote(P, [conn(1)])
  s.events.emit('ip:taken', { ip: P, iface: 'eth0' })
  await sleep(50)
  t.equal(s.sends.length, 0)
  t.match(s.logs.join('\n'), /1 connection\(s\) known, no tickle ACKs/)
})

t.test('a helper that fails is logged once per take with its code, and each round is still tried', async t => {
  let tries = 0
  const s = stub({ send: async () => { tries++; throw new CorralError('CORRAL_E_TICKLE_PERMISSION', 'sending tickle ACKs needs root or CAP_NET_RAW') } })
  s.tk.start()
  t.teardown(() => { s.tk.stop() })
  s.tk.applyRemote(P, [conn(1)])
  s.events.emit('ip:taken', { ip: P, iface: 'eth0' })
  await sleep(2600)
  t.equal(tries, 3)
  t.same(s.logs.filter(l => l.startsWith('error:')), [`error: could not send tickle ACKs for ${P}: sending tickle ACKs needs root or CAP_NET_RAW`])
})

t.test('a period polls the held addresses and pushes only changed lists; a failed push is retried', async t => {
  let fail = true
  const s = stub({
    poll: async () => `0 0 ${P}:445 192.0.2.9:1\n0 0 ${Q}:445 192.0.2.9:2\n`,
    push: async (ip, conns) => { if (fail) throw new Error('link down'); s.pushes.push({ ip, n: conns.length }) },
  })
  s.held.add(P)
  await s.tk.tick()
  t.same(s.pushes, [], 'the push failed')
  t.match(s.logs.join('\n'), /could not send the tickle list of 198\.51\.100\.1: link down/)
  fail = false
  await s.tk.tick()
  t.same(s.pushes, [{ ip: P, n: 1 }], 'retried at the next period; Q is not held here so not tracked')
  await s.tk.tick()
  t.same(s.pushes.length, 1, 'nothing changed, nothing pushed')
  s.tk.start()
  t.teardown(() => { s.tk.stop() })
  s.events.emit('node:connected', { pnn: 2 })
  await sleep(20)
  t.same(s.pushes, [{ ip: P, n: 1 }, { ip: P, n: 1 }], 'a node that connects gets every held list')
})

t.test('addtickle and gettickles only for public addresses of the node; a pushed list is ignored by the holder', async t => {
  const s = stub()
  t.throws(() => s.tk.add([conn(1), conn(2, '203.0.113.1')]), { code: 'CORRAL_E_IP_UNKNOWN', message: 'cannot track 192.0.2.9:2 -> 203.0.113.1:445: 203.0.113.1 is not a public address of node 1' })
  t.same(s.tk.list(P), [], 'nothing was added')
  t.throws(() => s.tk.list('203.0.113.1'), { code: 'CORRAL_E_IP_UNKNOWN', message: '203.0.113.1 is not a public address of node 1' })
  t.same(s.tk.add([conn(1)]), { added: 1, removed: 0, dropped: 0 })
  s.held.add(P)
  t.equal(s.tk.applyRemote(P, []), false, 'the holder keeps its own list')
  t.equal(s.tk.applyRemote('203.0.113.1', [conn(1, '203.0.113.1')]), false, 'not a public address here')
  t.same(s.tk.remove([conn(1), conn(9)]), { added: 0, removed: 1, dropped: 0 })
})
