// Canonical text of IP address literals, so `::1` and `0:0::01` are one node and output matches
// what CTDB prints (inet_ntop style: lower-case IPv6, longest zero run compressed).
import { isIP } from 'node:net'

// Why: the nodes file, duplicate checks and `reloadnodes` all compare addresses by canonical text.
export function canonicalAddress (text: string): string | undefined {
  const kind = isIP(text)
  if (kind === 4) return text
  if (kind !== 6 || text.includes('%')) return undefined
  return canonicalIpv6(text)
}

function canonicalIpv6 (text: string): string {
  const words = ipv6Words(text.toLowerCase())
  if (words.slice(0, 5).every(w => w === 0) && words[5] === 0xffff) {
    return `::ffff:${words[6] >> 8}.${words[6] & 255}.${words[7] >> 8}.${words[7] & 255}`
  }
  // Longest run of two or more zero words (the first one on a tie) becomes `::` (RFC 5952).
  let best = -1
  let bestLen = 1
  for (let i = 0; i < 8;) {
    let j = i
    while (j < 8 && words[j] === 0) j++
    if (j - i > bestLen) { best = i; bestLen = j - i }
    i = j === i ? i + 1 : j
  }
  const hex = words.map(w => w.toString(16))
  if (best < 0) return hex.join(':')
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`
}

// Eight 16-bit words of a valid IPv6 literal (already checked by isIP).
function ipv6Words (text: string): number[] {
  let s = text
  const tail: number[] = []
  const v4 = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(s)
  if (v4 !== null) {
    const b = v4.slice(1).map(Number)
    tail.push((b[0] << 8) | b[1], (b[2] << 8) | b[3])
    s = s.slice(0, v4.index)
    if (s.endsWith(':') && !s.endsWith('::')) s = s.slice(0, -1)
  }
  const parse = (part: string): number[] => part === '' ? [] : part.split(':').map(h => Number.parseInt(h, 16))
  const [head, rest] = s.includes('::') ? s.split('::') : [s, undefined]
  const left = parse(head)
  const right = [...parse(rest ?? ''), ...tail]
  if (rest === undefined) return [...left, ...tail]
  return [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right]
}
