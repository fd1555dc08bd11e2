// The event runner: one FIFO queue per component, components in parallel under a global bound,
// deadlines counted from arrival, CTDB's monitor cancellation rules, results kept per event.
import { statSync } from 'node:fs'
import PQueue from 'p-queue'
import * as D from '../config/defaults.js'
import { CorralError } from '../errors/index.js'
import { componentDir, listEntries, openScriptDirectory, type Entry, type ScriptDirectory } from './discovery.js'
import { TypedEmitter } from './emitter.js'
import { RunHistory } from './history.js'
import { readOptional } from './options.js'
import { join } from 'node:path'
import { runScript, type RunnerLog } from './process.js'
import { EVENT_ARG_NAMES, EVENT_NAMES, type EventName, type PluginRunner, type RunRecord, type RunState, type ScriptResult } from './types.js'

export interface EventRunnerOptions {
  eventsDir: string
  /** Shipped entries (CTDB's data dir); `script enable` links from here. */
  dataDir: string | null
  configDir: string
  pluginRunner?: PluginRunner
  log: RunnerLog
  debugScript?: string | null
  defaultTimeoutS?: number
  eventTimeoutsS?: Partial<Record<EventName, number>>
  /** `component/NN.name` → seconds. */
  scriptTimeoutsS?: Record<string, number>
  runAll?: boolean
  outputCapBytes?: number
  queueLimit?: number
  concurrency?: number
  historySize?: number
  killGraceMs?: number
  /** Cluster generation passed to plugins (fencing token). */
  generation?: () => number
  /** Extra environment for every script. */
  env?: NodeJS.ProcessEnv
}

export interface RunRequest {
  component: string
  event: string
  args?: string[]
  /** Deadline for the whole event from arrival; default: configured per event, else the global default. */
  timeoutMs?: number
  runAll?: boolean
  /** Generation the request is issued under (plugins see it as ctx.generation); default: the current one when the plugin runs. */
  generation?: number
}

/** Typed events the runner publishes (for metrics and notifications). */
export interface RunnerEvents {
  [k: string]: unknown
  'run:queued': RunRecord
  'run:started': RunRecord
  'run:finished': RunRecord
  'run:cancelled': RunRecord
  'script:timedOut': { run: RunRecord, script: ScriptResult }
}

interface Job {
  record: RunRecord
  generation: number | undefined
  runAll: boolean
  cancel: (() => void) | null
  cancelled: boolean
  resolve: (r: RunRecord) => void
}

interface ComponentQueue { current: Job | null, waiting: Job[] }

export interface EventRunner extends ScriptDirectory {
  readonly events: TypedEmitter<RunnerEvents>
  run (req: RunRequest): Promise<RunRecord>
  status (component: string, event: string, history?: number): Promise<{ last: RunRecord, history: RunRecord[] }>
  /** Runs queued or running per component, for status output and metrics. */
  queueDepths (): Record<string, number>
  close (): Promise<void>
}

// Why: the single entry point the daemon, the cluster core and tests use to run events.
export function createEventRunner (o: EventRunnerOptions): EventRunner {
  const events = new TypedEmitter<RunnerEvents>()
  const history = new RunHistory(o.historySize ?? D.EVENT_HISTORY_SIZE)
  const global = new PQueue({ concurrency: o.concurrency ?? D.EVENT_CONCURRENCY })
  const queues = new Map<string, ComponentQueue>()
  const dir = openScriptDirectory({ eventsDir: o.eventsDir, dataDir: o.dataDir })
  let nextId = 1
  let closed = false

  const queueOf = (c: string): ComponentQueue => {
    let q = queues.get(c)
    if (q === undefined) { q = { current: null, waiting: [] }; queues.set(c, q) }
    return q
  }

  const timeoutFor = (req: RunRequest, event: EventName): number =>
    req.timeoutMs ?? (o.eventTimeoutsS?.[event] ?? o.defaultTimeoutS ?? D.EVENT_SCRIPT_TIMEOUT_S) * 1000

  const finishRecord = (job: Job, state: RunState): RunRecord => {
    job.record.state = state
    job.record.finishedAt = Date.now()
    return job.record
  }

  const pump = (component: string): void => {
    const q = queueOf(component)
    if (q.current !== null || q.waiting.length === 0) return
    const job = q.waiting.shift()!
    q.current = job
    void global.add(async () => {
      if (!job.cancelled) await execute(job)
    }).finally(() => {
      q.current = null
      const rec = job.record
      if (rec.state === 'QUEUED' || rec.state === 'RUNNING') finishRecord(job, 'CANCELLED')
      history.record(rec)
      events.emit(rec.state === 'CANCELLED' ? 'run:cancelled' : 'run:finished', rec)
      job.resolve(rec)
      pump(component)
    })
  }

  const execute = async (job: Job): Promise<void> => {
    const rec = job.record
    rec.state = 'RUNNING'
    rec.startedAt = Date.now()
    events.emit('run:started', rec)
    let entries: Entry[]
    try {
      entries = await listEntries(o.eventsDir, rec.component)
    } catch (err) {
      rec.scripts = []
      finishRecord(job, 'FAILED')
      o.log.error({ err, component: rec.component }, (err as Error).message)
      return
    }
    // Options files are read once per run: the global one, and per entry only when the directory has one.
    let globalOptions: Record<string, string> | Error
    try {
      globalOptions = await readOptional(join(o.configDir, D.SCRIPT_OPTIONS_FILE_NAME))
    } catch (err) {
      globalOptions = err as Error
    }
    let failed = false
    let timedOut = false
    for (const e of entries) {
      if (job.cancelled) { rec.scripts.push(notRun(e, 'CANCELLED', 'monitor cancelled by another event')); continue }
      if (!e.enabled) { rec.scripts.push(notRun(e, 'DISABLED', 'not executable')); continue }
      if (e.duplicateOf !== null) { rec.scripts.push(notRun(e, 'CANNOT_RUN', `name ${e.name} is already used by ${e.duplicateOf}`)); failed = true; continue }
      if ((failed && !job.runAll) || timedOut) { rec.scripts.push(notRun(e, 'NOT_RUN', 'not run (an earlier script failed)')); continue }
      const result = await runEntry(job, e, globalOptions)
      rec.scripts.push(result)
      if (result.state === 'TIMEDOUT') { timedOut = true; events.emit('script:timedOut', { run: rec, script: result }) }
      if (result.state !== 'OK' && result.state !== 'DEGRADED' && result.state !== 'CANCELLED') failed = true
    }
    if (job.cancelled) finishRecord(job, 'CANCELLED')
    else finishRecord(job, timedOut ? 'TIMEDOUT' : failed ? 'FAILED' : 'OK')
  }

  const runEntry = async (job: Job, e: Entry, globalOptions: Record<string, string> | Error): Promise<ScriptResult> => {
    const rec = job.record
    let options: Record<string, string>
    try {
      if (globalOptions instanceof Error) throw globalOptions
      options = e.optionsFile === null ? globalOptions : { ...globalOptions, ...await readOptional(e.optionsFile) }
    } catch (err) {
      return { ...notRun(e, 'CANNOT_RUN', (err as Error).message), startedAt: Date.now() }
    }
    const perScript = o.scriptTimeoutsS?.[`${rec.component}/${e.name}`]
    const deadline = perScript === undefined ? rec.deadline : Math.min(rec.deadline, Date.now() + perScript * 1000)
    if (e.runner === 'plugin') {
      if (o.pluginRunner === undefined) return notRun(e, 'CANNOT_RUN', 'no plugin host in this process')
      const pr = o.pluginRunner
      job.cancel = () => { pr.cancel(rec.component) }
      try {
        return await pr.run({ component: rec.component, name: e.name, path: e.path, event: rec.event as EventName, args: rec.args, deadline, options, generation: job.generation ?? o.generation?.() ?? 0, currentGeneration: o.generation?.() ?? job.generation ?? 0 })
      } finally {
        job.cancel = null
      }
    }
    const result = await runScript({
      name: e.name,
      path: e.path,
      runner: e.runner,
      argv: [rec.event, ...rec.args],
      env: {
        ...process.env,
        ...o.env,
        ...options,
        CORRAL_COMPONENT: rec.component,
        CORRAL_EVENT: rec.event,
        CORRAL_CONFIG_DIR: o.configDir,
        CTDB_BASE: o.configDir,
      },
      deadline,
      outputCapBytes: o.outputCapBytes ?? D.SCRIPT_OUTPUT_CAP_BYTES,
      killGraceMs: o.killGraceMs ?? D.KILL_GRACE_MS,
      debugScript: o.debugScript ?? null,
      event: rec.event,
      log: o.log,
      onStart: cancel => { job.cancel = cancel },
    })
    job.cancel = null
    for (const line of result.output.split('\n')) if (line !== '' && result.state !== 'OK') o.log.error({ component: rec.component, event: rec.event }, `${e.name}: ${line}`)
    return result
  }

  const validate = (req: RunRequest): EventName => {
    if (!(EVENT_NAMES as readonly string[]).includes(req.event)) {
      throw new CorralError('CORRAL_E_EVENT_INVALID', `Unknown event ${req.event} (events: ${EVENT_NAMES.join(', ')})`)
    }
    const event = req.event as EventName
    const want = EVENT_ARG_NAMES[event].length
    const got = req.args?.length ?? 0
    if (got !== want) {
      const names = EVENT_ARG_NAMES[event].map(a => String(a).toUpperCase()).join(' ')
      throw new CorralError('CORRAL_E_EVENT_INVALID', `Event ${event} takes ${want} argument(s)${want > 0 ? ` (${names})` : ''}, got ${got}`)
    }
    return event
  }

  // Synchronous on purpose: a request must take its place in the queue in the order it arrived,
  // and an await here would let a later request overtake an earlier one.
  const requireComponent = (component: string): void => {
    try {
      if (statSync(componentDir(o.eventsDir, component)).isDirectory()) return
    } catch (err) {
      if (err instanceof CorralError) throw err
    }
    throw new CorralError('CORRAL_E_COMPONENT_NOT_FOUND', `Event dir for ${component} does not exist`)
  }

  return {
    events,
    listScripts: dir.listScripts,
    setScriptEnabled: dir.setScriptEnabled,
    async run (req) {
      const arrived = Date.now()
      if (closed) throw new CorralError('CORRAL_E_INTERNAL', 'the event runner is shutting down')
      const event = validate(req)
      requireComponent(req.component)
      const q = queueOf(req.component)
      const record: RunRecord = {
        id: nextId++, component: req.component, event, args: [...(req.args ?? [])], state: 'QUEUED',
        queuedAt: arrived, startedAt: 0, finishedAt: 0, deadline: arrived + timeoutFor(req, event), scripts: [],
      }
      const busy = q.current !== null || q.waiting.length > 0
      if (event === 'monitor' && busy) {
        // CTDB: a monitor arriving while another event runs is rejected as cancelled, not queued.
        record.state = 'CANCELLED'
        record.finishedAt = Date.now()
        history.record(record)
        events.emit('run:cancelled', record)
        return record
      }
      if (q.waiting.length >= (o.queueLimit ?? D.EVENT_QUEUE_LIMIT)) {
        throw new CorralError('CORRAL_E_QUEUE_FULL', `Event queue of ${req.component} is full (${q.waiting.length} waiting); ${event} was not queued`)
      }
      // CTDB: any new event cancels a running monitor.
      const cur = q.current
      if (cur !== null && cur.record.event === 'monitor' && !cur.cancelled) {
        cur.cancelled = true
        cur.cancel?.()
      }
      return await new Promise<RunRecord>(resolve => {
        const job: Job = { record, generation: req.generation, runAll: req.runAll ?? o.runAll ?? false, cancel: null, cancelled: false, resolve }
        q.waiting.push(job)
        events.emit('run:queued', record)
        pump(req.component)
      })
    },
    async status (component, event, n = 0) {
      requireComponent(component)
      const last = history.last(component, event)
      if (last === null) throw new CorralError('CORRAL_E_EVENT_NEVER_RAN', `Event ${event} has never run in ${component}`)
      return { last, history: history.recent(component, event, Math.min(n, history.size)) }
    },
    queueDepths () {
      const out: Record<string, number> = {}
      for (const [c, q] of queues) out[c] = q.waiting.length + (q.current === null ? 0 : 1)
      return out
    },
    async close () {
      closed = true
      for (const q of queues.values()) {
        for (const j of q.waiting) j.cancelled = true
        if (q.current !== null) { q.current.cancelled = true; q.current.cancel?.() }
      }
      await global.onIdle()
    },
  }
}

function notRun (e: Entry, state: ScriptResult['state'], reason: string): ScriptResult {
  return { name: e.name, kind: e.kind, state, exitCode: null, signal: null, startedAt: 0, durationMs: 0, output: '', outputTruncated: false, reason }
}
