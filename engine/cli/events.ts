// `corral event ...`: the CLI side of the event runner. Talks to corrald over the control socket;
// `event script list|enable|disable` fall back to acting on the events directory directly when no
// daemon runs (as CTDB's `ctdb event script` does).
import {
  EventRunRequestSchema, EventStatusRequestSchema, ScriptListRequestSchema, ScriptSetRequestSchema,
} from '../../protocol/gen/corral/v1/events_pb.js'
import { ask, withDaemon } from './request.js'
import { runRecordFromProto, scriptInfoFromProto } from '../transport/events-mapping.js'
import type { Connection } from '../transport/connection.js'
import { isCorralError } from '../errors/index.js'
import type { RunRecord, ScriptInfo } from '../events/types.js'
import { formatRunOutcome, formatScriptList, formatStatus, runExitCode } from '../events/format.js'
import { requestTimeoutMs, type GlobalOptions } from './context.js'
import { printJson, printText } from './output.js'

// Why: `event run` waits for the whole event, so it waits at least as long as the event's deadline.
export async function eventRun (g: GlobalOptions, component: string, event: string, args: string[], opts: { timeout?: number, runAll?: boolean }): Promise<number> {
  const timeoutMs = opts.timeout === undefined ? 0 : Math.round(opts.timeout * 1000)
  const waitExtra = opts.timeout === undefined ? 24 * 3600_000 : timeoutMs + 30_000
  const record = await withDaemon(g, async c => {
    const reply = await ask(c, g, EventRunRequestSchema, { component, event, args, timeoutMs, runAll: opts.runAll === true }, { timeoutMs: requestTimeoutMs(g) + waitExtra })
    if (reply.run === undefined) throw new Error('daemon sent an empty run record')
    return runRecordFromProto(reply.run)
  }, waitExtra)
  const code = runExitCode(record)
  if (g.json === true) printJson({ run: record, exitCode: code })
  else if (code !== 0) process.stderr.write(formatRunOutcome(record) + '\n')
  return code
}

// Why: CTDB admins read `ctdb event status` every day; the table keeps its layout.
export async function eventStatus (g: GlobalOptions, component: string, event: string, opts: { history?: number }): Promise<number> {
  const { last, history } = await fetchStatus(g, component, event, opts.history ?? 0)
  if (g.json === true) {
    printJson({ last, history })
  } else {
    const parts = [formatStatus(last)]
    for (const h of history) parts.push(`\n--- run ${h.id} (${h.state}, ${new Date(h.queuedAt).toISOString()})\n${formatStatus(h)}`)
    printText(parts.join('\n'))
  }
  return runExitCode(last)
}

async function fetchStatus (g: GlobalOptions, component: string, event: string, history: number): Promise<{ last: RunRecord, history: RunRecord[] }> {
  return await withDaemon(g, async c => {
    const reply = await ask(c, g, EventStatusRequestSchema, { component, event, history })
    if (reply.last === undefined) throw new Error('daemon sent no run record')
    return { last: runRecordFromProto(reply.last), history: reply.history.map(runRecordFromProto) }
  })
}

// Why: CTDB's deprecated `scriptstatus` still appears in admins' scripts; it always exits 0.
export async function scriptStatus (g: GlobalOptions, event: string): Promise<number> {
  try {
    await eventStatus(g, 'legacy', event, {})
  } catch (err) {
    if (!isCorralError(err)) throw err
    process.stderr.write(`corral: ${err.message}\n`)
  }
  return 0
}

async function scriptsViaDaemonOrLocal<T> (g: GlobalOptions, remote: (c: Connection) => Promise<T>, local: () => Promise<T>): Promise<T> {
  try {
    return await withDaemon(g, remote)
  } catch (err) {
    if (isCorralError(err, 'CORRAL_E_DAEMON_NOT_RUNNING')) return await local()
    throw err
  }
}

async function localScripts (g: GlobalOptions): Promise<import('../events/index.js').ScriptDirectory> {
  const { loadConfig } = await import('../config/load.js')
  const { packageRoot } = await import('../config/package-root.js')
  const { openScriptDirectory } = await import('../events/index.js')
  const { join } = await import('node:path')
  const config = loadConfig({ configDir: g.configDir })
  return openScriptDirectory({ eventsDir: config.paths.eventsDir, dataDir: join(packageRoot(), 'events.d') })
}

// Why: shows what will run, in order, and what is enabled.
export async function scriptList (g: GlobalOptions, component: string): Promise<number> {
  const scripts = await scriptsViaDaemonOrLocal<ScriptInfo[]>(g,
    async c => (await ask(c, g, ScriptListRequestSchema, { component })).scripts.map(scriptInfoFromProto),
    async () => await (await localScripts(g)).listScripts(component))
  if (g.json === true) printJson({ component, scripts })
  else printText(formatScriptList(scripts))
  return 0
}

async function setEnabled (g: GlobalOptions, component: string, script: string, enable: boolean): Promise<number> {
  const info = await scriptsViaDaemonOrLocal<ScriptInfo>(g,
    async c => {
      const reply = await ask(c, g, ScriptSetRequestSchema, { component, script, enable })
      if (reply.script === undefined) throw new Error('daemon sent no script')
      return scriptInfoFromProto(reply.script)
    },
    async () => await (await localScripts(g)).setScriptEnabled(component, script, enable))
  if (g.json === true) printJson({ component, script: info })
  return 0
}

// Why: CTDB's `event script enable`: make it executable or link the shipped one.
export async function scriptEnable (g: GlobalOptions, component: string, script: string): Promise<number> {
  return await setEnabled(g, component, script, true)
}

// Why: CTDB's `event script disable`: clear the x bits or remove the link.
export async function scriptDisable (g: GlobalOptions, component: string, script: string): Promise<number> {
  return await setEnabled(g, component, script, false)
}
