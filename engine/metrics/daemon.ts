// How corrald serves its metrics: resolve `[metrics] address` (node:PORT = this node's cluster
// address), apply the loopback rule to the address actually bound, and start the endpoint.
import type { CorralConfig } from '../config/index.js'
import { CorralError } from '../errors/index.js'
import { formatHostPort, isLoopback } from './address.js'
import type { DaemonMetrics } from './registry.js'
import { startMetricsServer, type MetricsServer } from './server.js'

// Why: node:PORT is only known once the node has joined; the loopback rule is checked here for it.
export async function serveDaemonMetrics (config: CorralConfig, node: { pnn: number, nodes: ReadonlyArray<{ address: string }> } | null, metrics: DaemonMetrics, log?: { warn (o: object, m: string): void }): Promise<MetricsServer | null> {
  const a = config.metrics.address
  if (a === null) return null
  const place = { file: config.file ?? '(defaults)', field: '[metrics] address' }
  const host = a.host ?? (node !== null && node.pnn >= 0 ? node.nodes[node.pnn]?.address : undefined) ?? config.cluster.nodeAddress
  if (host === null || host === undefined) throw new CorralError('CORRAL_E_CONFIG_VALUE', 'node:PORT needs this node\'s cluster address, and this daemon has none (events only and no [cluster] node address)', { place })
  if (!config.metrics.allowNonLoopback && !isLoopback(host)) {
    throw new CorralError('CORRAL_E_CONFIG_VALUE', `node:${a.port} means ${formatHostPort(host, a.port)}, not a loopback address; the metrics endpoint has no authentication (set [metrics] allow non-loopback = true to serve it there)`, { place })
  }
  return await startMetricsServer({ host, port: a.port, metrics, log })
}
