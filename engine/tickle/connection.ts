// A tracked TCP connection (CTDB's struct ctdb_connection): the client end first, then the server
// end (the public address). Text forms as CTDB prints and reads them: `1.2.3.4:445`, `[2001:db8::1]:445`.
import { isIPv4, isIPv6 } from 'node:net'
import { CorralError } from '../errors/index.js'
import { canonicalIp } from '../ip/index.js'

export interface Endpoint { ip: string, port: number }
/** src = the client, dst = the public address it connected to (CTDB's order). */
export interface Connection { src: Endpoint, dst: Endpoint }

// Why: `::ffff:198.51.100.1` (a dual-stack listener's view) and `198.51.100.1` are one client.
export function normalizeIp (ip: string): string {
  const bare = ip.replace(/%.*$/, '')
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(bare)
  if (mapped !== null && isIPv4(mapped[1])) return mapped[1]
  return canonicalIp(bare)
}

// Why: every input of an endpoint (CLI argument, addtickle line, ss column) is read the same way; null when it is not one.
export function parseEndpoint (text: string): Endpoint | null {
  const t = text.trim()
  const m = t.startsWith('[') ? /^\[([^\]]+)\]:(\d{1,5})$/.exec(t) : /^(.*):(\d{1,5})$/.exec(t)
  if (m === null) return null
  const host = m[1].replace(/%.*$/, '')
  const port = Number(m[2])
  if (!(isIPv4(host) || isIPv6(host)) || port < 1 || port > 65535) return null
  return { ip: normalizeIp(host), port }
}

// Why: a bad endpoint names where it came from (argument, file line) and what was expected.
export function requireEndpoint (text: string, where: string): Endpoint {
  const e = parseEndpoint(text)
  if (e === null) throw new CorralError('CORRAL_E_USAGE', `${where}: '${text}' is not ADDRESS:PORT (IPv6 as [ADDRESS]:PORT, port 1-65535)`)
  return e
}

// Why: CTDB prints IPv6 endpoints with brackets, IPv4 without.
export function formatEndpoint (e: Endpoint): string {
  return e.ip.includes(':') ? `[${e.ip}]:${e.port}` : `${e.ip}:${e.port}`
}

/** One key per connection, for sets and maps. */
export function connectionKey (c: Connection): string {
  return `${formatEndpoint(c.src)} ${formatEndpoint(c.dst)}`
}

// Why: `addtickle`/`deltickle` with no arguments read "SRC:PORT DST:PORT" lines, as CTDB's tool does.
export function parseConnectionLines (text: string, source = 'stdin'): Connection[] {
  const out: Connection[] = []
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const words = lines[i].trim().split(/\s+/).filter(w => w !== '')
    if (words.length === 0 || words[0].startsWith('#')) continue
    const where = `${source} line ${i + 1}`
    if (words.length !== 2) throw new CorralError('CORRAL_E_USAGE', `${where}: expected "SRC:PORT DST:PORT", got '${lines[i].trim()}'`)
    out.push(requireConnection(words[0], words[1], where))
  }
  return out
}

// Why: both ends of one connection must be of one address family.
export function requireConnection (src: string, dst: string, where: string): Connection {
  const c = { src: requireEndpoint(src, where), dst: requireEndpoint(dst, where) }
  if (c.src.ip.includes(':') !== c.dst.ip.includes(':')) throw new CorralError('CORRAL_E_USAGE', `${where}: ${src} and ${dst} are not of one address family`)
  return c
}

// Why: the holder learns its clients from `ss -tnH state established`: Recv-Q Send-Q LOCAL PEER per
// line; only connections whose local end is one of `addresses` (the public ones held here) count.
export function parseSsEstablished (text: string, addresses: ReadonlySet<string>): Connection[] {
  const out: Connection[] = []
  for (const line of text.split('\n')) {
    const cols = line.trim().split(/\s+/)
    if (cols.length < 4) continue
    // With a state filter ss omits the State column; without one it is first. Take the two endpoints.
    const ends = cols.map(parseEndpoint)
    const at = ends.findIndex((e, i) => e !== null && ends[i + 1] !== null && ends[i + 1] !== undefined)
    if (at < 0) continue
    const local = ends[at]!
    const peer = ends[at + 1]!
    if (!addresses.has(local.ip)) continue
    out.push({ src: peer, dst: local })
  }
  return out
}
