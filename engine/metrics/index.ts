// Prometheus metrics of the daemon: the registry, the scrape endpoint and the address rules.
export { createDaemonMetrics, RUN_BUCKETS_S, type DaemonMetrics, type MetricsComponents, type MetricsNode, type MetricsRunner } from './registry.js'
export { startMetricsServer, type MetricsServer } from './server.js'
export { serveDaemonMetrics } from './daemon.js'
export { formatHostPort, isLoopback, parseMetricsAddress, type MetricsAddress } from './address.js'
