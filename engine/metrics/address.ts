// The `[metrics] address` value: HOST:PORT, [IPv6]:PORT or node:PORT, and the loopback rule.
import { isIP } from 'node:net'

/** A parsed metrics address; `host: null` means "this node's own cluster address". */
export interface MetricsAddress { host: string | null, port: number }

// Why: a scrape endpoint has no authentication, so by default it may only listen on loopback.
export function isLoopback (host: string): boolean {
  if (host === 'localhost') return true
  if (isIP(host) === 4) return host.startsWith('127.')
  if (isIP(host) === 6) return host === '::1' || /^(0*:){7}0*1$/.test(host) || /^::ffff:127\./i.test(host)
  return false
}

// Why: config load and the daemon read the value the same way; returns a reason instead of throwing.
export function parseMetricsAddress (raw: string): MetricsAddress | string {
  const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([^\s:[\]]+)):([0-9]+)$/.exec(raw.trim())
  if (m === null) return `expected HOST:PORT, [IPV6]:PORT or node:PORT, got '${raw}'`
  const port = Number(m[3])
  if (port > 65_535) return `port ${port} is out of range 0..65535`
  const host = m[1] ?? m[2]
  if (m[1] !== undefined && isIP(host) !== 6) return `'${host}' is not an IPv6 address`
  return { host: host === 'node' ? null : host, port }
}

/** host:port for URLs and logs (IPv6 in brackets). */
export function formatHostPort (host: string, port: number): string {
  return isIP(host) === 6 ? `[${host}]:${port}` : `${host}:${port}`
}
