// The daemon's life: load config, start components, serve the control socket, stop cleanly.
import { accessSync, constants, mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { packageRoot } from '../config/package-root.js'
import { loadConfig, type PathOverrides } from '../config/index.js'
import { LEGACY_COMPONENT } from '../config/defaults.js'
import { createLogger, installSighupReopen } from '../log/index.js'
import { createEventRunner } from '../events/index.js'
import { createPluginHost } from '../events/plugin-host/index.js'
import { createControlServer } from '../transport/index.js'
import { eventHandlers } from './handlers.js'
import { sessionHandlers } from './session.js'
import { ClusterNode, controlHandlers, forwardHandler } from '../cluster/node/index.js'
import { CorralError } from '../errors/index.js'
import { createDaemonMetrics, formatHostPort, serveDaemonMetrics, type MetricsServer } from '../metrics/index.js'
import { daemonState, feedFromNode, lifecycleState, NotificationLog, NotificationScript, notifyHandlers } from '../notify/index.js'
import { countRequests, DaemonStatistics } from '../stats/index.js'
import { statsHandlers } from '../validate/index.js'

export interface DaemonOptions {
  configDir?: string
  configFile?: string
  overrides?: PathOverrides
  pidFile?: string
  logLocation?: string
  logLevel?: string
  eventsOnly?: boolean
}

// Why: one function owns start-up order and shutdown, so bin/corrald stays a thin parser.
export async function runDaemon (opts: DaemonOptions): Promise<number> {
  let config
  try {
    config = loadConfig({ configDir: opts.configDir, file: opts.configFile, overrides: clean(opts.overrides ?? {}) })
  } catch (err) {
    process.stderr.write(`corrald: ${(err as Error).message}\n`)
    return err instanceof CorralError ? err.exitCode : 1
  }
  // CTDB refuses to start when the debug script is missing or not executable; so does corral.
  if (config.event.debugScript !== null) {
    try {
      accessSync(config.event.debugScript, constants.X_OK)
    } catch (err) {
      process.stderr.write(`corrald: ${config.file ?? 'corral.conf'} ([event] debug script): ${config.event.debugScript} is missing or not executable (${(err as NodeJS.ErrnoException).code ?? 'error'})\n`)
      return 78
    }
  }
  const log = createLogger({ location: opts.logLocation ?? config.logging.location, level: opts.logLevel ?? config.logging.level, program: 'corrald' })
  installSighupReopen(log)
  // A bug must not end the daemon silently: log it where the admin looks, then exit as Node would.
  process.once('unhandledRejection', err => {
    log.error({ err }, `internal error, corrald stops: ${(err as Error)?.stack ?? String(err)}`)
    void log.flushAndClose().finally(() => process.exit(70))
  })
  const startedAt = Date.now()
  mkdirSync(config.paths.runDir, { recursive: true })
  mkdirSync(config.paths.stateDir, { recursive: true })
  mkdirSync(join(config.paths.eventsDir, LEGACY_COMPONENT), { recursive: true })
  const pidFile = opts.pidFile ?? join(config.paths.runDir, 'corrald.pid')

  const plugins = createPluginHost({ log: log.child({ component: 'plugin-host' }), outputCapBytes: config.event.outputCapBytes })
  let node: ClusterNode | null = null
  const runner = createEventRunner({
    generation: () => node?.generation ?? 0,
    eventsDir: config.paths.eventsDir,
    dataDir: join(packageRoot(), 'events.d'),
    configDir: config.paths.configDir,
    pluginRunner: plugins,
    log: log.child({ component: 'events' }),
    debugScript: config.event.debugScript,
    defaultTimeoutS: config.event.timeoutS,
    eventTimeoutsS: config.event.eventTimeoutsS,
    scriptTimeoutsS: config.event.scriptTimeoutsS,
    runAll: config.event.runAll,
    outputCapBytes: config.event.outputCapBytes,
    queueLimit: config.event.queueLimit,
    concurrency: config.event.concurrency,
    historySize: config.event.historySize,
  })

  // The notification log (`corral watch`) and CTDB's notification script.
  const notes = new NotificationLog({ retentionMs: config.notify.retentionS * 1000, maxEntries: config.notify.maxEntries })
  const notifyScript = new NotificationScript(config.event.notificationScript, log.child({ component: 'notify' }))
  const lifecycle = (event: string, state: string | null): void => {
    const s = lifecycleState(event, state)
    if (s !== null) daemonState(s, notes, notifyScript)
  }
  // The cluster member (unless events only): its lifecycle events go to the legacy component.
  const eventsOnly = opts.eventsOnly === true || config.cluster.eventsOnly
  node = eventsOnly
    ? null
    : new ClusterNode(config, async (event, args = []) => {
      lifecycle(event, null)
      // The generation at request time travels with the run: a plugin sees a recovery since as stale work.
      const r = await runner.run({ component: LEGACY_COMPONENT, event, args, generation: node?.generation })
      lifecycle(event, r.state)
      return r
    }, log.child({ component: 'cluster' }))
  if (node !== null) feedFromNode(node, notes, notifyScript)
  // `corral statistics`: counters from the same sources the metrics read; every answered request counted.
  const statistics = new DaemonStatistics({ startedMs: startedAt, node, runner, control: () => controlServer.stats(), logDropped: () => log.droppedCount() })
  const served = countRequests([...sessionHandlers({ startedAt }), ...eventHandlers(runner), ...(node === null ? [] : controlHandlers(node)), ...statsHandlers(statistics, config, node)], statistics)
  node?.serve(served)
  // Prometheus metrics (off unless [metrics] address): built now so they see the first events.
  const metrics = config.metrics.address === null
    ? null
    : createDaemonMetrics({ node, runner, logDropped: () => log.droppedCount(), protocolErrors: () => controlServer.stats().rejected + (node?.linkProtocolErrors ?? 0) })
  let server
  try {
    server = await createControlServer({
      socketPath: config.paths.socketPath,
      handlers: [...served, ...countRequests([...notifyHandlers(notes), ...(node === null ? [] : [forwardHandler(node)])], statistics)],
      log: log.child({ component: 'control' }),
    })
  } catch (err) {
    log.error({ err }, `cannot serve the control socket: ${(err as Error).message}`)
    await runner.close()
    await plugins.close()
    await log.flushAndClose?.()
    return err instanceof CorralError ? err.exitCode : 1
  }
  writeFileSync(pidFile, `${process.pid}\n`)
  const controlServer = server
  let metricsServer: MetricsServer | null = null
  // Stop in the reverse order of start; the cluster member first so its shutdown event still runs.
  const shutdown = async (): Promise<void> => {
    await metricsServer?.close()
    metrics?.close()
    statistics.close()
    await node?.stop().catch(err => { log.error({ err }, `cluster shutdown: ${(err as Error).message}`) })
    await controlServer.close()
    await notifyScript.close()
    await runner.close()
    await plugins.close()
    rmSync(pidFile, { force: true })
  }
  if (node !== null) {
    try {
      await node.start()
    } catch (err) {
      log.error({ err }, `cannot join the cluster: ${(err as Error).message}`)
      process.stderr.write(`corrald: ${(err as Error).message}\n`)
      await shutdown()
      await log.flushAndClose()
      return err instanceof CorralError ? err.exitCode : 1
    }
  }
  // The scrape endpoint comes up once the node has joined (node:PORT needs its address).
  if (metrics !== null) {
    try {
      metricsServer = await serveDaemonMetrics(config, node, metrics, log.child({ component: 'metrics' }))
      if (metricsServer !== null) log.notice({ metrics: formatHostPort(metricsServer.host, metricsServer.port) }, `serving metrics on http://${formatHostPort(metricsServer.host, metricsServer.port)}/metrics`)
    } catch (err) {
      log.error({ err }, (err as Error).message)
      process.stderr.write(`corrald: ${(err as Error).message}\n`)
      await shutdown()
      await log.flushAndClose()
      return err instanceof CorralError ? err.exitCode : 1
    }
  }
  log.notice({ socket: config.paths.socketPath, config: config.file, eventsDir: config.paths.eventsDir, eventsOnly }, `corrald ${process.pid} ready`)

  await new Promise<void>(resolve => {
    const stop = (signal: string): void => {
      log.notice({ signal }, 'shutting down')
      resolve()
    }
    process.once('SIGTERM', () => stop('SIGTERM'))
    process.once('SIGINT', () => stop('SIGINT'))
  })
  await shutdown()
  log.notice({}, 'stopped')
  await log.flushAndClose?.()
  return 0
}

function clean (o: PathOverrides): PathOverrides {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as PathOverrides
}
