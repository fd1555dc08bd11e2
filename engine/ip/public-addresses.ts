// CTDB's public_addresses file: `ADDRESS/MASKBITS IFACE[,IFACE...]` per line, `#` comments.
import { CorralError } from '../errors/index.js'
import { addressKey } from './address.js'

export interface PublicAddress {
  ip: string
  maskbits: number
  ifaces: string[]
  line: number
}

/** What an interface name may be (Linux: at most 15 bytes). */
export const IFACE_RE = /^[A-Za-z0-9_.:@-]{1,15}$/

// Why: a bad line must never be half-applied: every problem is reported with file:line, then nothing loads.
// With `sink`, each problem is collected there as its own error instead of thrown together.
export function parsePublicAddresses (text: string, file: string, sink?: CorralError[]): PublicAddress[] {
  const out: PublicAddress[] = []
  const problems: string[] = []
  const seen = new Map<string, number>()
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim()
    const n = i + 1
    if (line === '' || line.startsWith('#')) return
    const bad = (msg: string): void => {
      problems.push(`${file}:${n}: ${msg}`)
      sink?.push(new CorralError('CORRAL_E_ADDRESSES_FILE', msg, { place: { file, line: n } }))
    }
    const [addr, ifaces, extra] = line.split(/\s+/)
    const slash = addr.indexOf('/')
    if (slash < 0) return bad(`'${addr}' has no /MASKBITS`)
    const ip = addr.slice(0, slash)
    const key = addressKey(ip)
    if (key === null) return bad(`'${ip}' is not an IPv4 or IPv6 address`)
    const max = ip.includes(':') ? 128 : 32
    const mask = addr.slice(slash + 1)
    if (!/^[0-9]+$/.test(mask) || Number(mask) > max || Number(mask) < 1) return bad(`mask '/${mask}' must be 1-${max}`)
    if (ifaces === undefined) return bad(`No interface specified for ${addr}`)
    if (extra !== undefined) return bad(`unexpected '${extra}' after the interfaces`)
    const list = ifaces.split(',')
    const wrong = list.find(x => !IFACE_RE.test(x))
    if (wrong !== undefined) return bad(`'${wrong}' is not an interface name`)
    const k = key.join('.')
    const first = seen.get(k)
    if (first !== undefined) return bad(`${ip} is listed twice (first on line ${first})`)
    seen.set(k, n)
    out.push({ ip, maskbits: Number(mask), ifaces: list, line: n })
  })
  if (problems.length > 0 && sink === undefined) throw new CorralError('CORRAL_E_ADDRESSES_FILE', problems.length === 1 ? problems[0].slice(file.length + 1).replace(/^\d+: /, '') : `${problems.length} problems:\n${problems.join('\n')}`, problems.length === 1 ? { place: { file, line: Number(/:(\d+):/.exec(problems[0])![1]) } } : {})
  return out
}
