// `corral ip ...`, `ipinfo`, `ifaces`, `moveip`, `addip`, `delip`, `reloadips`, `ipreallocate`,
// `setifacelink` and `notify`: CTDB's address commands, same words and layouts.
import { StatusRequestSchema } from '../../protocol/gen/corral/v1/cluster_pb.js'
import { IpAdminRequestSchema, IpListRequestSchema, TakeoverRunRequestSchema, type IpListReply } from '../../protocol/gen/corral/v1/ip_pb.js'
import { CorralError } from '../errors/index.js'
import { addressKey, compareKeysDesc, requireAddress } from '../ip/address.js'
import type { Connection } from '../transport/connection.js'
import { readStdin, requestTimeoutMs, type GlobalOptions } from './context.js'
import { printJson, printText } from './output.js'
import { ask, withDaemon } from './request.js'

interface PlanOptions { nodeFlags?: string, algorithm?: string, ipFailback?: boolean, ipTakeover?: boolean, live?: boolean, replay?: string }

// Why: `ip plan` is the admin's what-if tool and needs no daemon: stdin in, allocation out.
export async function ipPlan (g: GlobalOptions, opts: PlanOptions): Promise<number> {
  if (opts.live === true) return await ipPlanLive(g)
  if (opts.replay !== undefined) return await (await import('./replay.js')).ipPlanReplay(g, opts.replay)
  const { runIpPlan } = await import('../ip/plan.js')
  const input = await readStdin()
  const out = await runIpPlan({
    nodeFlags: opts.nodeFlags,
    algorithm: opts.algorithm,
    noIpFailback: opts.ipFailback === false,
    noIpTakeover: opts.ipTakeover === false,
  }, input)
  if (g.json === true) {
    printJson({ assignments: out.split('\n').filter((l: string) => l !== '').map((l: string) => { const [ip, pnn] = l.split(' '); return { ip, pnn: Number(pnn) } }) })
  } else {
    printText(out)
  }
  return 0
}

// Why: what a takeover run would do right now, computed by the leader from live state, applied nowhere.
async function ipPlanLive (g: GlobalOptions): Promise<number> {
  const r = await withDaemon(g, async c => await ask(c, g, TakeoverRunRequestSchema, { dryRun: true }))
  if (g.json === true) printJson({ generation: r.generation, assignments: r.assignments.map(a => ({ ip: a.ip, pnn: a.pnn })) })
  else printText(r.assignments.map(a => `${a.ip} ${a.pnn}\n`).join(''))
  return 0
}

const ascending = (a: string, b: string): number => compareKeysDesc(addressKey(b)!, addressKey(a)!)

async function listOn (c: Connection, g: GlobalOptions, pnn: number | undefined): Promise<IpListReply> {
  return await ask(c, { ...g, node: pnn }, IpListRequestSchema, {})
}

// Why: `corral ip [all] [-v]`: each address and the node holding it, sorted ascending as CTDB.
export async function ipList (g: GlobalOptions, which: string | undefined, opts: { verbose?: boolean }): Promise<number> {
  if (which !== undefined && which !== 'all') throw new CorralError('CORRAL_E_USAGE', `expected 'all' or nothing, got '${which}'`)
  const { header, rows } = await withDaemon(g, async c => {
    if (which !== 'all') {
      const r = await listOn(c, g, g.node)
      return { header: `Public IPs on node ${r.pnn}`, rows: r.ips.map(x => ({ ...x, from: r.pnn })) }
    }
    // all: merge every connected node's list; a node that holds an address is believed over others.
    const s = await c.request(StatusRequestSchema, {})
    const merged = new Map<string, IpListReply['ips'][number] & { from: number }>()
    for (const n of s.nodes) {
      if ((n.flags & 0x11) !== 0) continue
      const r = await listOn(c, g, n.pnn === s.thisPnn ? undefined : n.pnn)
      for (const x of r.ips) {
        const had = merged.get(x.ip)
        if (had === undefined || (x.iface !== '' && x.owner === r.pnn)) merged.set(x.ip, { ...x, from: r.pnn })
      }
    }
    return { header: 'Public IPs on ALL nodes', rows: [...merged.values()] }
  })
  rows.sort((a, b) => ascending(a.ip, b.ip))
  if (g.json === true) {
    printJson({ ips: rows.map(x => ({ ip: x.ip, pnn: x.owner, ...(opts.verbose === true ? { activeInterface: x.iface, availableInterfaces: x.availableIfaces, configuredInterfaces: x.ifaces } : {}) })) })
    return 0
  }
  const lines = rows.map(x => opts.verbose === true
    ? `${x.ip} node[${x.owner}] active[${x.iface}] available[${x.availableIfaces.join(',')}] configured[${x.ifaces.join(',')}]`
    : `${x.ip} ${x.owner}`)
  printText([header, ...lines].join('\n'))
  return 0
}

// Why: `corral ipinfo IP`: who holds it and on which interface, with link states.
export async function ipInfo (g: GlobalOptions, ip: string): Promise<number> {
  requireAddress(ip)
  const r = await withDaemon(g, async c => await listOn(c, g, g.node))
  const { canonicalIp } = await import('../ip/kernel.js')
  const x = r.ips.find(v => v.ip === canonicalIp(ip))
  if (x === undefined) throw new CorralError('CORRAL_E_IP_UNKNOWN', `Node ${r.pnn} does not know IP ${ip}`)
  const ifaces = x.ifaces.map(name => { const i = r.ifaces.find(f => f.name === name); return { name, linkUp: i?.linkUp === true, references: i?.references ?? 0, active: x.iface === name } })
  if (g.json === true) {
    printJson({ ip: x.ip, pnn: r.pnn, currentNode: x.owner, maskbits: x.maskbits, deletePending: x.deletePending, interfaces: ifaces.map(i => ({ name: i.name, link: i.linkUp ? 'up' : 'down', references: i.references, active: i.active })) })
    return 0
  }
  printText([
    `Public IP[${x.ip}] info on node ${r.pnn}`,
    `IP:${x.ip}`,
    `CurrentNode:${x.owner}`,
    `NumInterfaces:${ifaces.length}`,
    ...ifaces.map((i, n) => `Interface[${n + 1}]: Name:${i.name} Link:${i.linkUp ? 'up' : 'down'} References:${i.references}${i.active ? ' (active)' : ''}`),
  ].join('\n'))
  return 0
}

// Why: `corral ifaces`: the interfaces public addresses use, link state and references.
export async function ifaces (g: GlobalOptions): Promise<number> {
  const r = await withDaemon(g, async c => await listOn(c, g, g.node))
  if (g.json === true) {
    printJson({ pnn: r.pnn, interfaces: r.ifaces.map(i => ({ name: i.name, link: i.linkUp ? 'up' : 'down', references: i.references })) })
    return 0
  }
  if (r.ifaces.length === 0) { printText(`No interfaces configured on node ${r.pnn}`); return 0 }
  printText([`Interfaces on node ${r.pnn}`, ...r.ifaces.map(i => `name:${i.name} link:${i.linkUp ? 'up' : 'down'} references:${i.references}`)].join('\n'))
  return 0
}

async function ipAdmin (g: GlobalOptions, req: { op: string, ip?: string, maskbits?: number, iface?: string, pnn?: number, up?: boolean, pnns?: number[], reason?: string }, node = g.node): Promise<number> {
  const r = await withDaemon(g, async c => await ask(c, { ...g, node }, IpAdminRequestSchema, req, { timeoutMs: Math.max(requestTimeoutMs(g), 60_000) }), 60_000)
  if (g.json === true) printJson({ ok: true, message: r.message })
  else printText(r.message)
  return 0
}

function pnnOf (v: string, what: string): number {
  if (!/^[0-9]+$/.test(v)) throw new CorralError('CORRAL_E_USAGE', `${what} must be a node number (PNN), got '${v}'`)
  return Number(v)
}


// Why: `corral moveip IP PNN`: put one address on one node now (the next run may move it again).
export async function moveIp (g: GlobalOptions, ip: string, pnn: string): Promise<number> {
  return await ipAdmin(g, { op: 'moveip', ip: requireAddress(ip), pnn: pnnOf(pnn, 'PNN') })
}

// Why: `corral addip IP/MASK IFACE` (on this node, or -n PNN): runtime only, as CTDB.
export async function addIp (g: GlobalOptions, spec: string, iface: string): Promise<number> {
  const m = /^([^/]+)\/([0-9]+)$/.exec(spec)
  if (m === null) throw new CorralError('CORRAL_E_USAGE', `expected IP/MASKBITS, got '${spec}'`)
  return await ipAdmin(g, { op: 'addip', ip: requireAddress(m[1]), maskbits: Number(m[2]), iface })
}

// Why: `corral delip IP`: a held address goes at the takeover run this starts.
export async function delIp (g: GlobalOptions, ip: string): Promise<number> {
  return await ipAdmin(g, { op: 'delip', ip: requireAddress(ip) })
}

// Why: `corral reloadips [PNN-LIST|all]`: re-read public_addresses on those nodes.
export async function reloadIps (g: GlobalOptions, which: string | undefined): Promise<number> {
  let pnns: Array<number | undefined> = [g.node]
  if (which !== undefined) {
    const s = await withDaemon(g, async c => await c.request(StatusRequestSchema, {}))
    pnns = which === 'all'
      ? s.nodes.filter(n => (n.flags & 0x11) === 0).map(n => n.pnn)
      : which.split(',').map(v => pnnOf(v, 'node list entry'))
  }
  for (const p of pnns) await ipAdmin(g, { op: 'reloadips' }, p)
  return 0
}

// Why: `corral ipreallocate`: ask the leader for a takeover run and wait for it to finish.
export async function ipReallocate (g: GlobalOptions): Promise<number> {
  const r = await withDaemon(g, async c => await ask(c, g, TakeoverRunRequestSchema, { reason: 'corral ipreallocate' }, { timeoutMs: Math.max(requestTimeoutMs(g), 60_000) }), 60_000)
  if (g.json === true) printJson({ generation: r.generation, moved: r.moved, ms: r.ms })
  return 0
}

// Why: `corral setifacelink IFACE up|down` (CTDB's, used by interface monitors).
export async function setIfaceLink (g: GlobalOptions, iface: string, state: string): Promise<number> {
  if (state !== 'up' && state !== 'down') throw new CorralError('CORRAL_E_USAGE', `link state must be up or down, got '${state}'`)
  return await ipAdmin(g, { op: 'setifacelink', iface, up: state === 'up' })
}

// Why: `corral ip hosts set 0,2 | clear`: limit which nodes may host addresses, cluster-wide.
export async function ipHosts (g: GlobalOptions, action: string, list: string | undefined): Promise<number> {
  if (action === 'clear') return await ipAdmin(g, { op: 'hosts-clear' })
  if (action !== 'set') throw new CorralError('CORRAL_E_USAGE', `expected 'set PNN,PNN' or 'clear', got '${action}'`)
  if (list === undefined || list === '') throw new CorralError('CORRAL_E_USAGE', 'ip hosts set needs a list of PNNs like 0,2')
  return await ipAdmin(g, { op: 'hosts-set', pnns: list.split(',').map(v => pnnOf(v, 'node list entry')) })
}

// Why: `corral notify healthy|unhealthy [REASON]`: an external monitor's verdict on this node.
export async function notify (g: GlobalOptions, state: string, reason: string[]): Promise<number> {
  if (state !== 'healthy' && state !== 'unhealthy') throw new CorralError('CORRAL_E_USAGE', `expected healthy or unhealthy, got '${state}'`)
  return await ipAdmin(g, { op: 'health', up: state === 'healthy', reason: reason.join(' ') })
}
