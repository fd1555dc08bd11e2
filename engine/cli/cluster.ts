// `corral status`, `nodestatus`, `listnodes`, `pnn`, `leader`, `uptime`, the admin states and tunables.
import { readFileSync } from 'node:fs'
import { AdminRequestSchema, StatusRequestSchema, TunableRequestSchema, type StatusReply } from '../../protocol/gen/corral/v1/cluster_pb.js'
import { ask, withDaemon } from './request.js'
import { CorralError } from '../errors/index.js'
import { listNodesText, nodestatus, parseNodes, statusJson, statusText, type StatusSnapshot } from '../cluster/index.js'
import type { RecoveryMode, Runstate } from '../cluster/runstate.js'
import type { GlobalOptions } from './context.js'
import { printJson, printText } from './output.js'

async function fetchStatus (g: GlobalOptions): Promise<StatusReply> {
  return await withDaemon(g, async c => await ask(c, g, StatusRequestSchema, {}))
}

function snapshotOf (r: StatusReply): StatusSnapshot {
  return {
    thisPnn: r.thisPnn,
    nodes: r.nodes.map(n => ({ pnn: n.pnn, address: n.address, flags: n.flags })),
    generation: r.generation,
    recoveryMode: r.recoveryMode as RecoveryMode,
    leader: r.leader < 0 ? null : r.leader,
    runstate: r.runstate as Runstate,
    lockConfigured: r.lockConfigured,
    services: { degradedReason: r.monitorDegradedReason, degradedTotal: Number(r.monitorDegradedTotal) },
    recoveryProgress: r.recoveryDbsTotal > 0 ? { dbsDone: r.recoveryDbsDone, dbsTotal: r.recoveryDbsTotal, records: Number(r.recoveryRecords) } : null,
  }
}

// Why: what an admin reads at 3 a.m.: every node's flags, the generation, recovery mode and leader.
export async function status (g: GlobalOptions): Promise<number> {
  const s = snapshotOf(await fetchStatus(g))
  if (g.json === true) printJson(statusJson(s))
  else printText(statusText(s))
  return 0
}

function parseSelection (arg: string | undefined, thisPnn: number): 'all' | number[] {
  if (arg === undefined) return [thisPnn]
  if (arg === 'all') return 'all'
  const pnns = arg.split(',').map(x => Number(x))
  if (pnns.some(n => !Number.isInteger(n) || n < 0)) throw new CorralError('CORRAL_E_USAGE', `expected all or a list of PNNs like 0,2, got '${arg}'`)
  return pnns
}

// Why: scripts test node health with the exit status (the OR of the selected nodes' flags), as CTDB.
export async function nodeStatus (g: GlobalOptions, which: string | undefined): Promise<number> {
  const s = snapshotOf(await fetchStatus(g))
  const sel = parseSelection(which, s.thisPnn)
  const r = nodestatus(s, sel)
  if (g.json === true) {
    const j = statusJson(s)
    printJson({ nodes: Object.values(j.node_status.nodes).filter(n => sel === 'all' || sel.includes(n.pnn)), exitCode: r.exitCode })
  } else {
    printText(r.text)
  }
  return r.exitCode
}

// Why: works without a daemon, straight from the nodes file, as CTDB's listnodes.
export async function listNodes (g: GlobalOptions): Promise<number> {
  const { loadConfig } = await import('../config/load.js')
  const config = loadConfig({ configDir: g.configDir })
  const file = config.cluster.nodesFile
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (err) {
    throw new CorralError('CORRAL_E_NODES_FILE', `cannot read the nodes file: ${(err as Error).message}`, { place: { file } })
  }
  const nodes = parseNodes(text, file)
  if (g.json === true) printJson({ nodes: nodes.filter(n => n.flags === 0).map(n => ({ pnn: n.pnn, address: n.address })) })
  else printText(listNodesText(nodes))
  return 0
}

// Why: event scripts ask which node they run on.
export async function pnn (g: GlobalOptions): Promise<number> {
  const r = await fetchStatus(g)
  if (g.json === true) printJson({ pnn: r.thisPnn })
  else printText(String(r.thisPnn))
  return 0
}

// Why: who leads now (UNKNOWN during an election).
export async function leader (g: GlobalOptions): Promise<number> {
  const r = await fetchStatus(g)
  if (g.json === true) printJson({ leader: r.leader < 0 ? null : r.leader })
  else printText(r.leader < 0 ? 'UNKNOWN' : String(r.leader))
  return 0
}

// Why: when the daemon started and when the last recovery ran and took how long.
export async function uptime (g: GlobalOptions): Promise<number> {
  const r = await fetchStatus(g)
  const now = Date.now()
  const started = Number(r.startedMs)
  const recStart = Number(r.lastRecoveryStartedMs)
  const recEnd = Number(r.lastRecoveryFinishedMs)
  const j = {
    currentTime: new Date(now).toISOString(),
    startedAt: new Date(started).toISOString(),
    uptimeS: Math.round((now - started) / 1000),
    lastRecoveryStartedAt: recStart === 0 ? null : new Date(recStart).toISOString(),
    lastRecoveryDurationMs: recStart === 0 ? null : recEnd >= recStart ? recEnd - recStart : -1,
    recoveries: r.recoveries,
  }
  if (g.json === true) printJson(j)
  else {
    printText([
      `Current time of node ${r.thisPnn}        :  ${j.currentTime}`,
      `corrald start time               : (${fmtDuration(j.uptimeS)}) ${j.startedAt}`,
      `Time of last recovery/failover   : ${j.lastRecoveryStartedAt ?? 'never'}`,
      `Duration of last recovery/failover: ${j.lastRecoveryDurationMs === null ? '-' : j.lastRecoveryDurationMs < 0 ? 'in progress' : `${(j.lastRecoveryDurationMs / 1000).toFixed(3)} seconds`}`,
      `Recoveries since start           : ${j.recoveries}`,
    ].join('\n'))
  }
  return 0
}

function fmtDuration (s: number): string {
  const d = Math.floor(s / 86400)
  const h = Math.floor(s / 3600) % 24
  const m = Math.floor(s / 60) % 60
  return `${String(d).padStart(3, '0')} ${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`
}

// Why: disable/enable/stop/continue/ban/unban with CTDB's meaning and messages; recover forces one.
export async function admin (g: GlobalOptions, op: string, seconds?: string): Promise<number> {
  let secs = 0
  if (op === 'ban') {
    if (seconds === undefined || !/^[0-9]+$/.test(seconds)) throw new CorralError('CORRAL_E_USAGE', `ban needs a number of seconds, got '${seconds ?? ''}'`)
    secs = Number(seconds)
    if (secs === 0) throw new CorralError('CORRAL_E_USAGE', 'Ban time cannot be zero')
  }
  const r = await withDaemon(g, async c => await ask(c, g, AdminRequestSchema, { op, seconds: secs }))
  if (g.json === true) printJson({ op, flags: r.flags, message: r.message === '' ? null : r.message })
  else if (r.message !== '') process.stderr.write(r.message + '\n')
  return 0
}

// Why: CTDB's getvar/setvar/listvars, per node and not persisted.
export async function tunable (g: GlobalOptions, op: 'get' | 'set' | 'list', name = '', value = ''): Promise<number> {
  const r = await withDaemon(g, async c => await ask(c, g, TunableRequestSchema, { op, name, value }))
  if (r.warning !== '') process.stderr.write(r.warning + '\n')
  if (g.json === true) printJson(op === 'get' ? { name, value: r.value } : op === 'list' ? { tunables: Object.fromEntries(r.text.trim().split('\n').map(l => { const [k, v] = l.split('='); return [k.trim(), Number(v)] })) } : { name, value: Number(value) })
  else printText(r.text)
  return 0
}

// Why: CTDB's reloadnodes: every connected node re-reads its (identical) nodes file; errors stop it.
export async function reloadNodes (g: GlobalOptions): Promise<number> {
  const s = await fetchStatus(g)
  const targets = s.nodes.filter(n => (n.flags & 0x11) === 0).map(n => n.pnn)
  const out: Array<{ pnn: number, message: string }> = []
  for (const pnn of [s.thisPnn, ...targets.filter(p => p !== s.thisPnn)]) {
    const r = await withDaemon(g, async c => await ask(c, { ...g, node: pnn }, AdminRequestSchema, { op: 'reloadnodes', seconds: 0 }))
    out.push({ pnn, message: r.message })
  }
  if (g.json === true) printJson({ nodes: out })
  else printText(out[0]?.message ?? '')
  return 0
}
