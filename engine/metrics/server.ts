// The scrape endpoint: GET /metrics in the Prometheus text format over node:http; anything else 404.
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { CorralError } from '../errors/index.js'
import { formatHostPort } from './address.js'
import type { DaemonMetrics } from './registry.js'

export interface MetricsServer {
  /** The address actually bound (the real port when 0 was asked for). */
  readonly host: string
  readonly port: number
  close (): Promise<void>
}

// Why: the daemon serves its registry on one address; a bind failure is an error, not a silent no-op.
export async function startMetricsServer (o: { host: string, port: number, metrics: DaemonMetrics, log?: { warn (o: object, m: string): void } }): Promise<MetricsServer> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0]
    if ((req.method !== 'GET' && req.method !== 'HEAD') || path !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found: try GET /metrics\n')
      return
    }
    o.metrics.scrape().then(text => {
      res.writeHead(200, { 'content-type': o.metrics.registry.contentType, 'content-length': Buffer.byteLength(text) })
      res.end(req.method === 'HEAD' ? undefined : text)
    }, (err: Error) => {
      o.log?.warn({ err }, `metrics scrape failed: ${err.message}`)
      res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end(`${err.message}\n`)
    })
  })
  server.keepAliveTimeout = 5_000
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      reject(new CorralError('CORRAL_E_INTERNAL', `cannot serve metrics on ${formatHostPort(o.host, o.port)} ([metrics] address): ${err.message}`, { cause: err }))
    })
    server.listen(o.port, o.host, () => { resolve() })
  })
  const a = server.address() as AddressInfo
  return {
    host: a.address,
    port: a.port,
    async close () {
      server.closeAllConnections()
      await new Promise<void>(resolve => { server.close(() => { resolve() }) })
    },
  }
}
