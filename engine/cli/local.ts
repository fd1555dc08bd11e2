// `corral local start|stop|status`: N nodes on this machine, each with its own config,
// state and run directory under one parent directory, for trying corral out and for tests.
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { closeSync, cpSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { packageRoot } from '../config/package-root.js'
import { CorralError } from '../errors/index.js'
import { DEFAULT_NODE_PORT } from '../config/defaults.js'
import type { GlobalOptions } from './context.js'
import type { RecoveryMode, Runstate } from '../cluster/runstate.js'
import { printJson, printText } from './output.js'

const START_WAIT_MS = 15_000
const STOP_WAIT_MS = 10_000

export interface LocalNode {
  pnn: number
  address: string
  dir: string
  configDir: string
  socket: string
  pidFile: string
  logFile: string
}

// Why: one function knows the layout, so start, stop, status and the test harness agree.
export function localLayout (dir: string, count: number): LocalNode[] {
  return Array.from({ length: count }, (_, pnn) => {
    const nodeDir = join(dir, `node${pnn}`)
    return {
      pnn,
      address: `127.0.0.${pnn + 1}`,
      dir: nodeDir,
      configDir: join(nodeDir, 'etc'),
      socket: join(nodeDir, 'run', 'corrald.sock'),
      pidFile: join(nodeDir, 'run', 'corrald.pid'),
      logFile: join(nodeDir, 'corrald.log'),
    }
  })
}

const defaultDir = (d?: string): string => resolve(d ?? join(tmpdir(), 'corral-local'))

function readCount (dir: string): number {
  try {
    return Number.parseInt(readFileSync(join(dir, 'nodes.count'), 'utf8'), 10)
  } catch {
    throw new CorralError('CORRAL_E_USAGE', `no local cluster in ${dir} (start one with: corral local start)`)
  }
}

// Why: `local start`, and the tests and benches that restart a node they killed, start one the same way:
// detached, a fresh pid file, output appended to the node's corrald.out.
export function startLocalNode (node: LocalNode, corrald: string, env: NodeJS.ProcessEnv = {}): void {
  rmSync(node.pidFile, { force: true })
  const out = openSync(join(node.dir, 'corrald.out'), 'a')
  try {
    const child = spawn(process.execPath, [corrald, '--config-dir', node.configDir, '--pid-file', node.pidFile], {
      detached: true, stdio: ['ignore', out, out], env: { ...process.env, CORRAL_SOCKET: '', ...env },
    })
    child.unref()
  } finally {
    closeSync(out)
  }
}

/** The running corrald of this local node, or null (only a pid that is still our corrald counts). */
export function pidOf (node: LocalNode): number | null {
  try {
    const pid = Number.parseInt(readFileSync(node.pidFile, 'utf8'), 10)
    if (!Number.isInteger(pid) || pid <= 0) return null
    // Only a pid that is still a corrald of ours counts: never signal a recycled pid.
    const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8')
    return cmd.includes('corrald') && cmd.includes(node.configDir) ? pid : null
  } catch {
    return null
  }
}

function writeNodeConfig (root: string, node: LocalNode, all: LocalNode[], key: Buffer, lockFile: string, port: number, extra: string): void {
  mkdirSync(node.configDir, { recursive: true })
  mkdirSync(join(node.dir, 'state'), { recursive: true })
  mkdirSync(join(node.dir, 'run'), { recursive: true })
  writeFileSync(join(node.configDir, 'corral.conf'), [
    `# corral.conf of local node ${node.pnn} (written by corral local start)`,
    '[paths]',
    `state dir = ${join(node.dir, 'state')}`,
    `run dir = ${join(node.dir, 'run')}`,
    '[cluster]',
    `node address = ${node.address}`,
    `port = ${port}`,
    ...(lockFile === 'none' ? [] : [`cluster lock = ${lockFile}`]),
    '[failover]',
    '# one host, one network stack: takes and releases are recorded, interfaces are not touched',
    'interfaces = recorded',
    '[logging]',
    `location = file:${node.logFile}`,
    'log level = INFO',
    ...(extra === '' ? [] : ['# from --extra-config', extra]),
    '',
  ].join('\n'))
  writeFileSync(join(node.configDir, 'nodes'), all.map(n => n.address).join('\n') + '\n')
  writeFileSync(join(node.configDir, 'cluster.key'), key, { mode: 0o600 })
  // Two public addresses per node from TEST-NET-2, every node able to host each (recorded, never configured).
  writeFileSync(join(node.configDir, 'public_addresses'), Array.from({ length: 2 * all.length }, (_, i) => `198.51.100.${i + 1}/24 corral0\n`).join(''))
  const shipped = join(root, 'events.d')
  const target = join(node.configDir, 'events.d')
  // Shipped scripts are copied; shipped plugins are not: they import their code by a path relative
  // to the package, so they are enabled as on an installed system (`corral event script enable`
  // links the package's copy in).
  if (existsSync(shipped) && !existsSync(target)) cpSync(shipped, target, { recursive: true, filter: src => !src.endsWith('.plugin.ts') })
  mkdirSync(join(target, 'legacy'), { recursive: true })
}

async function waitForSocket (node: LocalNode, deadline: number): Promise<boolean> {
  const { connectControl } = await import('../transport/client.js')
  while (Date.now() < deadline) {
    try {
      const c = await connectControl(node.socket, { timeoutMs: 1000 })
      c.close()
      return true
    } catch {
      await new Promise(resolve => setTimeout(resolve, 100))
    }
  }
  return false
}

// Why: `npm start` must give a new user a running corral with one command.
export async function localStart (g: GlobalOptions, opts: { nodes: number, dir?: string, port?: number, lock?: string, extraConfig?: string }): Promise<number> {
  if (!Number.isInteger(opts.nodes) || opts.nodes < 1 || opts.nodes > 32) throw new CorralError('CORRAL_E_USAGE', `--nodes must be 1..32, got ${opts.nodes}`)
  const dir = defaultDir(opts.dir)
  const root = packageRoot()
  const corrald = join(root, 'dist', 'bin', 'corrald.js')
  if (!existsSync(corrald)) throw new CorralError('CORRAL_E_USAGE', `${corrald} is missing: run npm run build first`)
  mkdirSync(dir, { recursive: true })
  if (existsSync(join(dir, 'nodes.count'))) {
    const running = localLayout(dir, readCount(dir)).filter(n => pidOf(n) !== null)
    if (running.length > 0) throw new CorralError('CORRAL_E_USAGE', `a local cluster already runs in ${dir} (corral local stop --dir ${dir})`)
  }
  writeFileSync(join(dir, 'nodes.count'), String(opts.nodes))
  const nodes = localLayout(dir, opts.nodes)
  const key = randomBytes(32)
  let extra = ''
  if (opts.extraConfig !== undefined) {
    try {
      extra = readFileSync(opts.extraConfig, 'utf8').trimEnd()
    } catch (err) {
      throw new CorralError('CORRAL_E_CONFIG_READ', `--extra-config: cannot read ${opts.extraConfig}: ${(err as Error).message}`, { place: { file: opts.extraConfig } })
    }
  }
  for (const node of nodes) {
    writeNodeConfig(root, node, nodes, key, opts.lock ?? join(dir, 'cluster.lock'), opts.port ?? DEFAULT_NODE_PORT, extra)
    startLocalNode(node, corrald)
  }
  const deadline = Date.now() + START_WAIT_MS
  const up = await Promise.all(nodes.map(n => waitForSocket(n, deadline)))
  const code = await report(g, dir, nodes, up)
  if (code === 0 && g.json !== true) await printClusterStatus(nodes[0], deadline)
  return code
}

async function report (g: GlobalOptions, dir: string, nodes: LocalNode[], up: boolean[]): Promise<number> {
  const rows = nodes.map((n, i) => ({ pnn: n.pnn, address: n.address, pid: pidOf(n), running: up[i], socket: n.socket, config: n.configDir, log: n.logFile }))
  if (g.json === true) {
    printJson({ dir, nodes: rows })
  } else {
    const lines = [`Local corral in ${dir}`, 'pnn  address      pid      state    socket']
    for (const r of rows) lines.push(`${String(r.pnn).padEnd(4)} ${r.address.padEnd(12)} ${String(r.pid ?? '-').padEnd(8)} ${(r.running ? 'running' : 'DOWN').padEnd(8)} ${r.socket}`)
    lines.push('', `Talk to node 0:  export CORRAL_SOCKET=${nodes[0].socket}; corral status   (or node dist/cli/corral.js status)`)
    lines.push(`Logs:            ${nodes[0].logFile} (and node1, node2, ...)`, `Stop:            corral local stop --dir ${dir}`)
    printText(lines.join('\n'))
  }
  return up.every(Boolean) ? 0 : 1
}

// Once the nodes agree on a leader and a generation, show `corral status` as node 0 sees it.
async function printClusterStatus (node: LocalNode, deadline: number): Promise<void> {
  const { connectControl } = await import('../transport/client.js')
  const { StatusRequestSchema } = await import('../../protocol/gen/corral/v1/cluster_pb.js')
  const { statusText } = await import('../cluster/status-format.js')
  let last: string | undefined
  while (Date.now() < deadline) {
    try {
      const c = await connectControl(node.socket, { timeoutMs: 1000 })
      let s
      try { s = await c.request(StatusRequestSchema, {}) } finally { c.close() }
      last = statusText({ thisPnn: s.thisPnn, nodes: s.nodes, generation: s.generation, recoveryMode: s.recoveryMode as RecoveryMode, leader: s.leader < 0 ? null : s.leader, runstate: s.runstate as Runstate, lockConfigured: s.lockConfigured })
      if (s.leader >= 0 && s.recoveryMode === 0 && s.nodes.every(n => n.flags === 0)) break
    } catch { /* not up yet */ }
    await new Promise(resolve => setTimeout(resolve, 200))
  }
  if (last !== undefined) printText(`\n$ corral status\n${last}`)
}

// Why: stops only the daemons this directory's pid files name, and only if they are ours.
export async function localStop (g: GlobalOptions, opts: { dir?: string }): Promise<number> {
  const dir = defaultDir(opts.dir)
  const nodes = localLayout(dir, readCount(dir))
  const pids = nodes.map(pidOf)
  for (const pid of pids) if (pid !== null) process.kill(pid, 'SIGTERM')
  const deadline = Date.now() + STOP_WAIT_MS
  while (Date.now() < deadline && nodes.some(n => pidOf(n) !== null)) await new Promise(resolve => setTimeout(resolve, 100))
  for (const n of nodes) {
    const pid = pidOf(n)
    if (pid !== null) process.kill(pid, 'SIGKILL')
  }
  if (g.json === true) printJson({ dir, stopped: pids.filter(p => p !== null) })
  else printText(`Stopped ${pids.filter(p => p !== null).length} local node(s) in ${dir}`)
  return 0
}

// Why: tells an admin where each local node keeps its files and whether it answers.
export async function localStatus (g: GlobalOptions, opts: { dir?: string }): Promise<number> {
  const dir = defaultDir(opts.dir)
  const nodes = localLayout(dir, readCount(dir))
  const up = await Promise.all(nodes.map(n => pidOf(n) === null ? false : waitForSocket(n, Date.now() + 1000)))
  return await report(g, dir, nodes, up)
}
