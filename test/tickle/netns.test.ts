// Tickle ACKs on real interfaces: two corral hosts and one client, each a network namespace on one
// bridge. The client holds two idle TCP connections to a public address of host A (a small server
// the test runs in A's namespace): one the cluster tracked and pushed to host B, one opened while
// A's corrald was stopped (never tracked). Then host A dies (corrald killed, eth0 down) and B takes
// the address. The tracked connection is reset within a second or so of B's first tickle ACK; the
// untracked one stays open, unaware, until it sends something (then B's kernel resets it).
import t from 'tap'
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { TickleListRequestSchema } from '../../protocol/gen/corral/v1/tickle_pb.js'
import { createNetnsCluster, netnsUnavailable, placementProblems } from '../../engine/ip/netns-harness.js'
import { connectControl } from '../../engine/transport/client.js'

const NODE_PORT = 4460
const SERVER_PORT = 4461
const CLIENT_ADDRESS = '192.0.2.100'
const WAIT_MS = 30_000
/** After the tracked connection's reset, how long the untracked one must stay quiet (B's 3 tickle rounds take 2.2 s). */
const CONTROL_MS = 5_000

// A server that accepts and keeps connections, sending nothing; a client driven by stdin lines
// ("open NAME HOST PORT", "write NAME") that prints one JSON line per event, with its clock.
const SERVER = `const s = require('node:net').createServer(c => { c.on('error', () => {}) }); s.listen(${SERVER_PORT}, '0.0.0.0', () => console.log('listening'))`
const CLIENT = `
const net = require('node:net'); const socks = new Map()
const say = o => console.log(JSON.stringify({ ...o, t: Date.now() }))
require('node:readline').createInterface({ input: process.stdin }).on('line', l => {
  const [cmd, name, host, port] = l.split(' ')
  if (cmd === 'open') {
    const s = net.connect({ host, port: Number(port) }, () => say({ ev: 'open', name, port: s.localPort }))
    s.on('error', e => say({ ev: 'error', name, code: e.code })); s.on('close', () => say({ ev: 'close', name })); socks.set(name, s)
  } else if (cmd === 'write') socks.get(name).write('x')
})`

const why = netnsUnavailable() ?? (spawnSync('python3', ['-c', 'import socket'], { encoding: 'utf8' }).status === 0 ? null : 'python3 is not installed (the tickle helper needs it)')
if (why !== null) {
  t.plan(0, `skipped: ${why}`)
} else {
  t.setTimeout(180_000)
  const c = createNetnsCluster({ prefix: `corral-tk${process.pid}`, hosts: 2, addresses: 2, port: NODE_PORT })
  const clientNs = `corral-tk${process.pid}-cl`
  const procs: ChildProcess[] = []
  const cleanup = (): void => {
    for (const p of procs) if (p.pid !== undefined && p.exitCode === null && p.signalCode === null) { try { process.kill(p.pid, 'SIGKILL') } catch {} }
    spawnSync('ip', ['netns', 'del', clientNs])
    c.destroy()
  }
  process.on('exit', cleanup)
  t.teardown(cleanup)

  // Push and poll every second so the test does not wait the default 20 s.
  for (const h of c.hosts) writeFileSync(join(h.configDir, 'corral.tunables'), 'TickleUpdateInterval=1\n')
  const ip = (args: string[]): void => { execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] }) }
  ip(['netns', 'add', clientNs])
  ip(['-n', clientNs, 'link', 'set', 'lo', 'up'])
  ip(['-n', c.bridgeNs, 'link', 'add', 'vcl', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', clientNs])
  ip(['-n', c.bridgeNs, 'link', 'set', 'vcl', 'master', 'br0'])
  ip(['-n', c.bridgeNs, 'link', 'set', 'vcl', 'up'])
  ip(['-n', clientNs, 'addr', 'add', `${CLIENT_ADDRESS}/24`, 'dev', 'eth0'])
  ip(['-n', clientNs, 'link', 'set', 'eth0', 'up'])
  ip(['-n', clientNs, 'route', 'add', '198.51.100.0/24', 'dev', 'eth0'])

  const inNs = (ns: string, code: string): ChildProcess => {
    // `ip netns exec` execs in place, so the pid is node's and can be killed by pid.
    const p = spawn('ip', ['netns', 'exec', ns, process.execPath, '-e', code], { stdio: ['pipe', 'pipe', 'inherit'], env: { ...process.env, NODE_OPTIONS: '' } })
    procs.push(p)
    return p
  }
  const tickles = async (host: number, addr: string): Promise<Array<{ src: string, dst: string }>> => {
    const conn = await connectControl(c.hosts[host].socket, { timeoutMs: 2000 })
    try {
      const r = await conn.request(TickleListRequestSchema, { ip: addr, port: 0 })
      return r.connections.map(x => ({ src: `${x.src?.ip ?? ''}:${x.src?.port ?? 0}`, dst: `${x.dst?.ip ?? ''}:${x.dst?.port ?? 0}` }))
    } finally { conn.close() }
  }

  t.test('a tracked client connection is reset by the new holder\'s tickle ACK; an untracked one hangs', async t => {
    for (const h of c.hosts) c.start(h.index)
    const placed = await c.waitFor('both addresses placed on the two healthy hosts', async () => {
      const s = await Promise.all([0, 1].map(async i => await c.status(i)))
      if (s.some(x => x === null || x.recoveryMode !== 0 || x.nodes.some(n => n.flags !== 0))) return null
      const p = await c.placement()
      return placementProblems(p, [0, 1]).length === 0 ? p : null
    }, WAIT_MS)
    const [pub, [A]] = [...placed].find(([, on]) => on.length === 1)!
    const B = 1 - A
    t.comment(`public address ${pub} is on host ${A}; host ${B} will take it`)

    const server = inNs(c.hosts[A].ns, SERVER)
    await new Promise<void>((resolve, reject) => {
      createInterface({ input: server.stdout! }).once('line', () => resolve())
      server.once('exit', code => reject(new Error(`the server in ${c.hosts[A].ns} exited (${code})`)))
    })
    const client = inNs(clientNs, CLIENT)
    const events: Array<{ ev: string, name: string, port?: number, code?: string, t: number }> = []
    createInterface({ input: client.stdout! }).on('line', l => { events.push(JSON.parse(l)) })
    const event = async (name: string, evs: string[], ms: number): Promise<{ ev: string, port?: number, code?: string, t: number }> =>
      await c.waitFor(`${name}: ${evs.join(' or ')}`, async () => events.find(e => e.name === name && evs.includes(e.ev)), ms, 10)

    client.stdin!.write(`open tracked ${pub} ${SERVER_PORT}\n`)
    const tracked = await event('tracked', ['open'], 5000)
    const trackedConn = { src: `${CLIENT_ADDRESS}:${tracked.port!}`, dst: `${pub}:${SERVER_PORT}` }
    const tPush = Date.now()
    await c.waitFor(`host ${B} to know the tracked connection`, async () => (await tickles(B, pub)).some(x => x.src === trackedConn.src && x.dst === trackedConn.dst), 10_000)
    t.comment(`host ${A} polled and pushed the connection; host ${B} listed it ${Date.now() - tPush} ms after it opened`)
    t.same(await tickles(A, pub), [trackedConn], `the holder (host ${A}) tracks exactly the client's connection`)

    // Stopped, A's corrald neither polls nor pushes: this connection stays unknown to the cluster.
    c.signal(A, 'SIGSTOP')
    client.stdin!.write(`open untracked ${pub} ${SERVER_PORT}\n`)
    const untracked = await event('untracked', ['open'], 5000)
    t.notOk((await tickles(B, pub)).some(x => x.src === `${CLIENT_ADDRESS}:${untracked.port!}`), `host ${B} does not know the untracked connection`)

    // Host A dies: its corrald is killed and its network goes, so its kernel answers nobody.
    const t0 = Date.now()
    c.signal(A, 'SIGKILL')
    t.ok(await c.exited(A), `host ${A}'s corrald is gone`)
    ip(['-n', c.hosts[A].ns, 'link', 'set', 'eth0', 'down'])
    const tTaken = await c.waitFor(`${pub} on host ${B}`, async () => (await c.eth0(B)).includes(pub) ? Date.now() : null, WAIT_MS, 10)
    const reset = await event('tracked', ['error', 'close'], 15_000)
    t.comment(`kill -9 of host ${A}: ${pub} on host ${B} after ${tTaken - t0} ms; tracked connection ${reset.ev === 'error' ? reset.code : 'closed'} after ${reset.t - t0} ms (${reset.t - tTaken} ms after the take)`)
    t.equal(reset.code, 'ECONNRESET', 'the client sees its tracked connection reset')
    t.ok(reset.t - tTaken < 5000, `reset within 5 s of the take (${reset.t - tTaken} ms)`)

    // B's log says when it sent the first round; the reset came after it.
    const sent = await c.waitFor('the tickle in host B\'s log', async () => {
      const lines = readFileSync(c.hosts[B].logFile, 'utf8').split('\n').filter(l => l.includes(`tickle ACKs to 1 client connection(s) of ${pub} (round 1`))
      return lines.length > 0 ? JSON.parse(lines[0]) as { startedMs: number, ms: number } : null
    }, 10_000)
    const tSent = sent.startedMs
    t.comment(`host ${B} started the tickle helper ${tSent - t0} ms after the kill (the helper ran ${sent.ms} ms); the client saw the reset ${reset.t - tSent} ms after the helper started`)
    t.ok(reset.t >= tSent, 'the reset came after the tickle helper started')
    t.ok(reset.t - tSent < 3000, 'and within 3 s of it')
    t.same(await tickles(B, pub), [], `host ${B} handed its list to the tickle sender: nothing tracked until the next poll`)

    // The control: the connection nobody tracked got no tickle and is still open.
    await new Promise(resolve => setTimeout(resolve, CONTROL_MS))
    t.notOk(events.some(e => e.name === 'untracked' && e.ev !== 'open'), `the untracked connection is still open ${Date.now() - reset.t} ms after the tracked one was reset (it would hang until it sends)`)
    const tWrite = Date.now()
    client.stdin!.write('write untracked\n')
    const late = await event('untracked', ['error', 'close'], 20_000)
    t.comment(`the untracked connection learnt only when it sent data: ${late.code ?? late.ev} ${late.t - tWrite} ms after the write, ${late.t - t0} ms after the kill`)
    t.equal(late.code, 'ECONNRESET', 'host B resets it once the client sends')
  })
}
