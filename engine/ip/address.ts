// Public addresses as CTDB sees them: a key of four 32-bit words (IPv4 = [0,0,0,addr]) that drives
// every ordering and every LCP2 distance.
import { isIPv4, isIPv6 } from 'node:net'
import { CorralError } from '../errors/index.js'

export type Key = readonly [number, number, number, number]

// Why: parse once into the key CTDB sorts and measures by; null for anything that is not an address.
export function addressKey (text: string): Key | null {
  if (isIPv4(text)) {
    const [a, b, c, d] = text.split('.').map(Number)
    return [0, 0, 0, ((a << 24) | (b << 16) | (c << 8) | d) >>> 0]
  }
  if (!isIPv6(text)) return null
  let t = text
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(t)
  if (v4 !== null) {
    const [a, b, c, d] = v4[1].split('.').map(Number)
    t = t.slice(0, -v4[1].length) + `${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`
  }
  const [head, tail] = t.includes('::') ? t.split('::') : [t, undefined]
  const hs = head === '' ? [] : head.split(':')
  const ts = tail === undefined || tail === '' ? [] : tail.split(':')
  const groups = tail === undefined ? hs : [...hs, ...Array(8 - hs.length - ts.length).fill('0'), ...ts]
  const n = groups.map(g => Number.parseInt(g, 16))
  return [((n[0] << 16) | n[1]) >>> 0, ((n[2] << 16) | n[3]) >>> 0, ((n[4] << 16) | n[5]) >>> 0, ((n[6] << 16) | n[7]) >>> 0]
}

// Why: every command and request that takes one address refuses anything else the same way.
export function requireAddress (text: string): string {
  if (addressKey(text) === null) throw new CorralError('CORRAL_E_USAGE', `'${text}' is not an IPv4 or IPv6 address`)
  return text
}

// Why: CTDB's list order is descending by key, word 0 first (so IPv6 sorts above IPv4).
export function compareKeysDesc (a: Key, b: Key): number {
  for (let i = 0; i < 4; i++) if (a[i] !== b[i]) return a[i] > b[i] ? -1 : 1
  return 0
}

function clz32 (x: number): number {
  return Math.clz32(x >>> 0)
}

// Why: LCP2's closeness: per word 32 when equal, else the leading zeros of the XOR; no early stop.
export function distance (a: Key, b: Key): number {
  let d = 0
  for (let i = 0; i < 4; i++) d += a[i] === b[i] ? 32 : clz32((a[i] ^ b[i]) >>> 0)
  return d
}
