// The real-interface harness the netns integration test and the address-failover benchmark share:
// N hosts, each a network namespace whose eth0 is a veth end on one bridge (in a namespace of its
// own), one corrald per host with the interface plugin enabled, so public addresses really go on
// and off interfaces with `ip addr`. Nothing is created in the root namespace. Linux, root, iproute2.
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { chmodSync, closeSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { StatusRequestSchema, type StatusReply } from '../../protocol/gen/corral/v1/cluster_pb.js'
import { IpListRequestSchema, TakeoverRunRequestSchema, type IpListReply } from '../../protocol/gen/corral/v1/ip_pb.js'
import { packageRoot } from '../config/package-root.js'
import { connectControl } from '../transport/client.js'

/** Node addresses are 192.0.2.N/24 (TEST-NET-1) on eth0; public addresses 198.51.100.N/24 (TEST-NET-2). */
const NODE_NET = '192.0.2.'
const PUBLIC_NET = '198.51.100.'
const IFACE = 'eth0'
const IP_TIMEOUT_MS = 5000

export interface NetnsHost {
  /** Also the node's PNN (its line in the nodes file). */
  index: number
  ns: string
  address: string
  dir: string
  configDir: string
  socket: string
  pidFile: string
  logFile: string
}

export interface NetnsClusterOptions {
  /** Prefix of every namespace name, unique per run (e.g. `corral-t<pid>`): hosts are PREFIX-h0.., the bridge PREFIX-br. */
  prefix: string
  hosts?: number
  /** Public addresses, every host able to host each. */
  addresses?: number
  /** Each host has its own network stack, so the default port never clashes with another run. */
  port?: number
  logLevel?: string
}

/** Where each public address is: address → indexes of the hosts whose eth0 has it. */
export type Placement = Map<string, number[]>

export interface NetnsCluster {
  dir: string
  hosts: NetnsHost[]
  bridgeNs: string
  publicAddresses: string[]
  /** Start (or restart) host i's corrald; returns its pid. */
  start (i: number): number
  /** Pid of host i's corrald while it runs (as started by this harness), else null. */
  pid (i: number): number | null
  /** Send a signal to host i's corrald (only the process this harness started). */
  signal (i: number, sig: NodeJS.Signals): void
  /** Resolves when host i's corrald has exited (bounded). */
  exited (i: number, ms?: number): Promise<boolean>
  status (i: number, timeoutMs?: number): Promise<StatusReply | null>
  ipList (i: number, timeoutMs?: number): Promise<IpListReply | null>
  /** Public addresses on host i's eth0, as `ip -n NS -j addr show dev eth0` shows them (kernel order). */
  eth0 (i: number): Promise<string[]>
  /** The public address that is primary in its subnet on host i's eth0 (the others are secondaries), or null. */
  primary (i: number): Promise<string | null>
  /** Ask (through host `via`) for a takeover run that may rebalance onto `onto` (CTDB's REBALANCE_NODE). */
  rebalance (via: number, onto: number[]): Promise<void>
  /** Every public address and the hosts (of `among`, default all) whose eth0 holds it. */
  placement (among?: number[]): Promise<Placement>
  waitFor<T> (what: string, fn: () => Promise<T | null | undefined | false>, ms?: number, intervalMs?: number): Promise<T>
  /** Kill what this harness started, delete its namespaces and its temp dir. Synchronous, idempotent. */
  destroy (): void
}

/** Why the harness cannot run on this machine, or null when it can. */
export function netnsUnavailable (): string | null {
  if (process.platform !== 'linux') return 'network namespaces need Linux'
  if (process.getuid?.() !== 0) return 'needs root (ip netns, veth, bridge)'
  const probe = `corral-probe${process.pid}`
  const add = spawnSync('ip', ['netns', 'add', probe], { encoding: 'utf8' })
  if (add.error !== undefined || add.status !== 0) return `ip netns is unavailable: ${add.error?.message ?? add.stderr.trim()}`
  try {
    const br = spawnSync('ip', ['-n', probe, 'link', 'add', 'br0', 'type', 'bridge'], { encoding: 'utf8' })
    if (br.status !== 0) return `cannot create a bridge in a namespace: ${br.stderr.trim()}`
    const veth = spawnSync('ip', ['-n', probe, 'link', 'add', 'va', 'type', 'veth', 'peer', 'name', 'vb'], { encoding: 'utf8' })
    if (veth.status !== 0) return `cannot create a veth pair in a namespace: ${veth.stderr.trim()}`
    return null
  } finally {
    spawnSync('ip', ['netns', 'del', probe])
  }
}

/** Each address on exactly one of `among`: the failures, as readable strings (empty = fine). */
export function placementProblems (p: Placement, among: number[]): string[] {
  const out: string[] = []
  for (const [ip, on] of p) {
    const inside = on.filter(h => among.includes(h))
    if (inside.length !== 1) out.push(`${ip} on ${inside.length === 0 ? 'no host' : `hosts ${inside.join(',')}`} of ${among.join(',')}`)
  }
  return out
}

/** How many addresses each host holds. */
export function countPerHost (p: Placement, hosts: number): number[] {
  const n = new Array<number>(hosts).fill(0)
  for (const on of p.values()) for (const h of on) n[h]++
  return n
}

export function describePlacement (p: Placement): string {
  return [...p].map(([ip, on]) => `${ip}@${on.length === 0 ? '-' : on.join('+')}`).join(' ')
}

// Everything alive, so the exit and signal handlers can clean up whatever the test left.
const live = new Set<NetnsCluster>()
let handlersInstalled = false

function installExitHandlers (): void {
  if (handlersInstalled) return
  handlersInstalled = true
  const all = (): void => { for (const c of [...live]) c.destroy() }
  process.on('exit', all)
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(sig, () => {
      all()
      process.kill(process.pid, sig)
    })
  }
}

function sleepSync (ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms)
}

function ipSync (args: string[]): { ok: boolean, out: string, err: string } {
  const r = spawnSync('ip', args, { encoding: 'utf8', timeout: IP_TIMEOUT_MS })
  return { ok: r.status === 0, out: r.stdout ?? '', err: (r.stderr ?? '') + (r.error?.message ?? '') }
}

function ipMust (args: string[]): void {
  const r = ipSync(args)
  if (!r.ok) throw new Error(`ip ${args.join(' ')}: ${r.err.trim()}`)
}

function ipJson (args: string[]): Promise<Array<{ ifname: string, addr_info?: Array<{ family: string, local: string, secondary?: boolean }> }>> {
  return new Promise((resolve, reject) => {
    execFile('ip', ['-j', ...args], { timeout: IP_TIMEOUT_MS }, (err, stdout, stderr) => {
      if (err !== null) { reject(new Error(`ip -j ${args.join(' ')}: ${stderr.trim() || err.message}`)); return }
      try { resolve(JSON.parse(stdout === '' ? '[]' : stdout)) } catch (e) { reject(e) }
    })
  })
}

// Why: the test and the benchmark need the same hosts, built the same way, and torn down on every path.
export function createNetnsCluster (o: NetnsClusterOptions): NetnsCluster {
  const count = o.hosts ?? 3
  const nAddr = o.addresses ?? 2 * count
  const root = packageRoot()
  const corrald = join(root, 'dist', 'bin', 'corrald.js')
  if (!existsSync(corrald)) throw new Error(`${corrald} is missing: run npm run build first`)
  const plugin = join(root, 'plugins', 'interface.plugin.ts')
  const dir = mkdtempSync(join(tmpdir(), `${o.prefix}-`))
  const bridgeNs = `${o.prefix}-br`
  const hosts: NetnsHost[] = Array.from({ length: count }, (_, i) => {
    const hostDir = join(dir, `h${i}`)
    return {
      index: i,
      ns: `${o.prefix}-h${i}`,
      address: `${NODE_NET}${i + 1}`,
      dir: hostDir,
      configDir: join(hostDir, 'etc'),
      socket: join(hostDir, 'run', 'corrald.sock'),
      pidFile: join(hostDir, 'run', 'corrald.pid'),
      logFile: join(hostDir, 'corrald.log'),
    }
  })
  const publicAddresses = Array.from({ length: nAddr }, (_, i) => `${PUBLIC_NET}${i + 1}`)
  const children: Array<ChildProcess | null> = hosts.map(() => null)
  const createdNs: string[] = []
  let destroyed = false

  const destroy = (): void => {
    if (destroyed) return
    destroyed = true
    live.delete(c)
    // Only the processes this harness started: wake stopped ones so SIGKILL is delivered at once.
    for (const ch of children) {
      if (ch?.pid === undefined || ch.exitCode !== null || ch.signalCode !== null) continue
      try { process.kill(ch.pid, 'SIGCONT') } catch {}
      try { process.kill(ch.pid, 'SIGKILL') } catch {}
    }
    // Their plugin hosts leave when the IPC channel closes; anything still inside one of *our*
    // namespaces after that (a stray arping) was started by our daemons and goes by its pid.
    const end = Date.now() + 3000
    for (;;) {
      const left = createdNs.flatMap(ns => ipSync(['netns', 'pids', ns]).out.split('\n').map(s => Number.parseInt(s, 10)).filter(n => Number.isInteger(n) && n > 0))
      if (left.length === 0) break
      if (Date.now() > end) {
        for (const pid of left) { try { process.kill(pid, 'SIGKILL') } catch {} }
        break
      }
      sleepSync(50)
    }
    for (const ns of [...createdNs].reverse()) ipSync(['netns', 'del', ns])
    createdNs.length = 0
    rmSync(dir, { recursive: true, force: true })
  }

  const publicOn = async (i: number): Promise<Array<{ local: string, secondary?: boolean }>> => {
    const links = await ipJson(['-n', hosts[i].ns, 'addr', 'show', 'dev', IFACE])
    return links.flatMap(l => (l.addr_info ?? []).filter(a => a.family === 'inet' && a.local.startsWith(PUBLIC_NET)))
  }

  const c: NetnsCluster = {
    dir,
    hosts,
    bridgeNs,
    publicAddresses,
    start (i) {
      const h = hosts[i]
      const prev = children[i]
      if (prev !== null && prev.exitCode === null && prev.signalCode === null) throw new Error(`host ${i}'s corrald (pid ${prev.pid}) still runs`)
      rmSync(h.pidFile, { force: true })
      const out = openSync(join(h.dir, 'corrald.out'), 'a')
      // `ip netns exec` execs the command in place (no fork), so the child's pid is corrald's.
      const ch = spawn('ip', ['netns', 'exec', h.ns, process.execPath, corrald, '--config-dir', h.configDir, '--pid-file', h.pidFile], {
        detached: true, stdio: ['ignore', out, out], env: { ...process.env, NODE_OPTIONS: '', CORRAL_SOCKET: '', CORRAL_EVENTS_DIR: '', CORRAL_CONFIG_DIR: '', CORRAL_STATE_DIR: '', CORRAL_RUN_DIR: '' },
      })
      closeSync(out)
      ch.on('error', () => {})
      ch.unref()
      children[i] = ch
      if (ch.pid === undefined) throw new Error(`could not start corrald in ${h.ns}`)
      return ch.pid
    },
    pid (i) {
      const ch = children[i]
      return ch?.pid !== undefined && ch.exitCode === null && ch.signalCode === null ? ch.pid : null
    },
    signal (i, sig) {
      const pid = c.pid(i)
      if (pid === null) throw new Error(`host ${i}'s corrald is not running`)
      process.kill(pid, sig)
    },
    async exited (i, ms = 10_000) {
      const ch = children[i]
      if (ch === null || ch.exitCode !== null || ch.signalCode !== null) return true
      return await new Promise<boolean>(resolve => {
        const timer = setTimeout(() => resolve(false), ms)
        ch.once('exit', () => { clearTimeout(timer); resolve(true) })
      })
    },
    async status (i, timeoutMs = 1000) {
      try {
        const conn = await connectControl(hosts[i].socket, { timeoutMs })
        try { return await conn.request(StatusRequestSchema, {}) } finally { conn.close() }
      } catch {
        return null
      }
    },
    async ipList (i, timeoutMs = 1000) {
      try {
        const conn = await connectControl(hosts[i].socket, { timeoutMs })
        try { return await conn.request(IpListRequestSchema, { availableOnly: false }) } finally { conn.close() }
      } catch {
        return null
      }
    },
    async eth0 (i) {
      return (await publicOn(i)).map(a => a.local)
    },
    async primary (i) {
      return (await publicOn(i)).find(a => a.secondary !== true)?.local ?? null
    },
    async rebalance (via, onto) {
      const conn = await connectControl(hosts[via].socket, { timeoutMs: 30_000 })
      try { await conn.request(TakeoverRunRequestSchema, { reason: 'netns harness: rebalance', rebalance: onto }) } finally { conn.close() }
    },
    async placement (among = hosts.map(h => h.index)) {
      const on = await Promise.all(among.map(async i => ({ i, ips: new Set(await c.eth0(i)) })))
      return new Map(publicAddresses.map(ip => [ip, on.filter(x => x.ips.has(ip)).map(x => x.i)]))
    },
    async waitFor<T> (what: string, fn: () => Promise<T | null | undefined | false>, ms = 30_000, intervalMs = 50): Promise<T> {
      const end = Date.now() + ms
      for (;;) {
        const v = await fn()
        if (v !== null && v !== undefined && v !== false) return v
        if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`)
        await new Promise(resolve => setTimeout(resolve, intervalMs))
      }
    },
    destroy,
  }
  live.add(c)
  installExitHandlers()

  try {
    // The bridge first, then per host: a veth pair made in the bridge namespace with its peer
    // created directly inside the host namespace as eth0, so no link ever exists in the root namespace.
    ipMust(['netns', 'add', bridgeNs])
    createdNs.push(bridgeNs)
    ipMust(['-n', bridgeNs, 'link', 'set', 'lo', 'up'])
    ipMust(['-n', bridgeNs, 'link', 'add', 'br0', 'type', 'bridge'])
    ipMust(['-n', bridgeNs, 'link', 'set', 'br0', 'up'])
    for (const h of hosts) {
      ipMust(['netns', 'add', h.ns])
      createdNs.push(h.ns)
      ipMust(['-n', h.ns, 'link', 'set', 'lo', 'up'])
      ipMust(['-n', bridgeNs, 'link', 'add', `vh${h.index}`, 'type', 'veth', 'peer', 'name', IFACE, 'netns', h.ns])
      ipMust(['-n', bridgeNs, 'link', 'set', `vh${h.index}`, 'master', 'br0'])
      ipMust(['-n', bridgeNs, 'link', 'set', `vh${h.index}`, 'up'])
      ipMust(['-n', h.ns, 'addr', 'add', `${h.address}/24`, 'dev', IFACE])
      ipMust(['-n', h.ns, 'link', 'set', IFACE, 'up'])
    }
    const key = randomBytes(32)
    const lockFile = join(dir, 'cluster.lock')
    for (const h of hosts) writeHostConfig(h, hosts, key, lockFile, o.port ?? 4380, publicAddresses, plugin, o.logLevel ?? 'INFO')
  } catch (err) {
    destroy()
    throw err
  }
  return c
}

function writeHostConfig (h: NetnsHost, all: NetnsHost[], key: Buffer, lockFile: string, port: number, publicAddresses: string[], plugin: string, logLevel: string): void {
  for (const d of [h.configDir, join(h.dir, 'state'), join(h.dir, 'run')]) mkdirSync(d, { recursive: true })
  writeFileSync(join(h.configDir, 'corral.conf'), [
    `# corral.conf of netns host ${h.index} (${h.ns})`,
    '[paths]',
    `state dir = ${join(h.dir, 'state')}`,
    `run dir = ${join(h.dir, 'run')}`,
    '[cluster]',
    `node address = ${h.address}`,
    `port = ${port}`,
    `cluster lock = ${lockFile}`,
    '[failover]',
    '# each host has its own network stack: the interface plugin really adds and removes addresses',
    'interfaces = kernel',
    '[logging]',
    `location = file:${h.logFile}`,
    `log level = ${logLevel}`,
    '',
  ].join('\n'))
  writeFileSync(join(h.configDir, 'nodes'), all.map(n => n.address).join('\n') + '\n')
  writeFileSync(join(h.configDir, 'cluster.key'), key, { mode: 0o600 })
  writeFileSync(join(h.configDir, 'public_addresses'), publicAddresses.map(ip => `${ip}/24 ${IFACE}\n`).join(''))
  // Enabled = executable (engine/events/discovery.ts). The shipped plugin file is not executable and
  // must stay so, so each host gets its own executable copy; `corral/plugin` resolves from anywhere.
  const legacy = join(h.configDir, 'events.d', 'legacy')
  mkdirSync(legacy, { recursive: true })
  const dest = join(legacy, '10.interface.plugin.ts')
  copyFileSync(plugin, dest)
  chmodSync(dest, 0o755)
}
