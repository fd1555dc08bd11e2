// `corral ip plan`: the admin's what-if tool. Reads `IP CURRENT_PNN [PNN,PNN,...]` lines, runs the
// allocation offline and prints `IP PNN` lines in CTDB's order (highest address first).
import { CorralError } from '../errors/index.js'
import { addressKey } from './address.js'
import { allocate, type Algorithm } from './alloc.js'

export interface PlanOptions {
  nodeFlags?: string
  algorithm?: string
  noIpFailback?: boolean
  noIpTakeover?: boolean
}

const ALGORITHMS: readonly Algorithm[] = ['lcp2', 'deterministic', 'nondeterministic']

function parseFlags (text: string): number[] {
  return text.split(',').map((f, i) => {
    const t = f.trim()
    if (!/^(0x[0-9a-fA-F]+|[0-9]+)$/.test(t)) throw new CorralError('CORRAL_E_USAGE', `--node-flags: entry ${i} ('${f}') is not a number (decimal or 0x hex)`)
    return Number(t)
  })
}

// Why: the CLI hands stdin here; every bad line is named as stdin:LINE.
export async function runIpPlan (opts: PlanOptions, input: string): Promise<string> {
  const algorithm = (opts.algorithm ?? 'lcp2') as Algorithm
  if (!ALGORITHMS.includes(algorithm)) throw new CorralError('CORRAL_E_USAGE', `--algorithm must be one of ${ALGORITHMS.join(', ')}, got '${opts.algorithm ?? ''}'`)
  const flags = opts.nodeFlags === undefined ? null : parseFlags(opts.nodeFlags)
  const ips: Array<{ ip: string, owner: number, canHost?: number[], line: number }> = []
  const seen = new Map<string, number>()
  let highest = -1
  input.split('\n').forEach((raw, i) => {
    const line = raw.trim()
    if (line === '' || line.startsWith('#')) return
    const place = { file: 'stdin', line: i + 1 }
    const [ip, owner, hosts, extra] = line.split(/\s+/)
    if (extra !== undefined) throw new CorralError('CORRAL_E_USAGE', `expected 'IP CURRENT_PNN [PNN,...]', got '${line}'`, { place })
    const key = ip === undefined ? null : addressKey(ip)
    if (key === null) throw new CorralError('CORRAL_E_USAGE', `'${ip ?? ''}' is not an IPv4 or IPv6 address`, { place })
    if (owner === undefined || !/^-?[0-9]+$/.test(owner) || Number(owner) < -1) throw new CorralError('CORRAL_E_USAGE', `current owner must be a PNN or -1, got '${owner ?? ''}'`, { place })
    const canon = key.join('.')
    const dup = seen.get(canon)
    if (dup !== undefined) throw new CorralError('CORRAL_E_USAGE', `${ip} is listed twice (first on line ${dup})`, { place })
    seen.set(canon, i + 1)
    const canHost = hosts === undefined ? undefined : hosts.split(',').map(h => {
      if (!/^[0-9]+$/.test(h)) throw new CorralError('CORRAL_E_USAGE', `node list must be PNNs like 0,2, got '${hosts}'`, { place })
      return Number(h)
    })
    highest = Math.max(highest, Number(owner), ...(canHost ?? []))
    ips.push({ ip, owner: Number(owner), canHost, line: i + 1 })
  })
  const nodeFlags = flags ?? Array<number>(highest + 1).fill(0)
  for (const x of ips) {
    const bad = [x.owner, ...(x.canHost ?? [])].find(p => p >= nodeFlags.length)
    if (bad !== undefined) throw new CorralError('CORRAL_E_USAGE', `node ${bad} is out of range: --node-flags names ${nodeFlags.length} node(s)`, { place: { file: 'stdin', line: x.line } })
  }
  if (nodeFlags.length === 0) return ''
  const r = allocate({ nodeFlags, ips, algorithm, noIPFailback: opts.noIpFailback, noIPTakeover: opts.noIpTakeover })
  return r.assignments.map(a => `${a.ip} ${a.pnn}\n`).join('')
}
