// Types shared by the event runner, the plugin host, the protocol mapping and the CLI.

/** Every event corral runs, with CTDB's names. */
export const EVENT_NAMES = [
  'init', 'setup', 'startup', 'shutdown', 'monitor',
  'startrecovery', 'recovered',
  'takeip', 'releaseip', 'updateip',
  'startipreallocate', 'ipreallocated',
] as const
export type EventName = typeof EVENT_NAMES[number]

/** Typed arguments of each event; the positional CTDB argv order is given by EVENT_ARG_NAMES. */
export interface EventArgs {
  init: Record<string, never>
  setup: Record<string, never>
  startup: Record<string, never>
  shutdown: Record<string, never>
  monitor: Record<string, never>
  startrecovery: Record<string, never>
  recovered: Record<string, never>
  takeip: { iface: string, ip: string, maskbits: number }
  releaseip: { iface: string, ip: string, maskbits: number }
  updateip: { oldIface: string, newIface: string, ip: string, maskbits: number }
  startipreallocate: Record<string, never>
  ipreallocated: Record<string, never>
}

/** Positional argument names per event, in CTDB's order (`takeip IFACE IP MASKBITS`). */
export const EVENT_ARG_NAMES: { readonly [E in EventName]: readonly (keyof EventArgs[E])[] } = {
  init: [],
  setup: [],
  startup: [],
  shutdown: [],
  monitor: [],
  startrecovery: [],
  recovered: [],
  takeip: ['iface', 'ip', 'maskbits'],
  releaseip: ['iface', 'ip', 'maskbits'],
  updateip: ['oldIface', 'newIface', 'ip', 'maskbits'],
  startipreallocate: [],
  ipreallocated: [],
}

/** The state of one script (or plugin) within one event run. CTDB's words, plus CANCELLED/NOT_RUN. */
export type ScriptState =
  | 'OK' // exit 0
  | 'DEGRADED' // a plugin's `{ status: 'degraded', reason }`: a warning, shown and counted; the run is still OK
  | 'ERROR' // non-zero exit, or a plugin that threw / returned a failure
  | 'TIMEDOUT' // still running at the deadline: killed (never reported as success)
  | 'DISABLED' // not executable: listed, not run
  | 'CANCELLED' // a monitor cancelled by another event while this script ran
  | 'CANNOT_RUN' // could not be started (exec failed, plugin failed to load)
  | 'NOT_RUN' // an earlier script failed, so this one was not reached (CTDB's "no data")

/** The result of one script or plugin in one run: a record, never an exception. */
export interface ScriptResult {
  /** `NN.name`, without `.script` / `.plugin.ts`. */
  name: string
  kind: 'script' | 'plugin'
  state: ScriptState
  /** Exit status for scripts (0 on OK); 1 for a failed plugin; null when it did not exit. */
  exitCode: number | null
  /** Signal that ended the process, if any. */
  signal: string | null
  /** Start time, ms since the epoch; 0 when it never started. */
  startedAt: number
  /** Wall time in ms; 0 when it never started. */
  durationMs: number
  /** stdout and stderr interleaved as captured, capped at the configured size. */
  output: string
  /** True when output was cut at the cap. */
  outputTruncated: boolean
  /** One line for humans: "exit 3", "timed out after 5000 ms", a plugin's reason. */
  reason: string
}

/** The lifecycle of a run; every run is a record in a short history. */
export type RunState = 'QUEUED' | 'RUNNING' | 'OK' | 'FAILED' | 'TIMEDOUT' | 'CANCELLED'

export interface RunRecord {
  /** Increasing per runner. */
  id: number
  component: string
  event: string
  args: string[]
  state: RunState
  /** When the request arrived (the deadline counts from here), ms since the epoch. */
  queuedAt: number
  startedAt: number
  finishedAt: number
  /** Absolute deadline, ms since the epoch. */
  deadline: number
  scripts: ScriptResult[]
}

/** One entry of a component directory, as `event script list` shows it. */
export interface ScriptInfo {
  name: string
  kind: 'script' | 'plugin'
  enabled: boolean
  /** Absolute path of the file in the component directory. */
  path: string
  /** Where a symlink points (CTDB's "installed from the data dir" model), else null. */
  linkTarget: string | null
}

/** What the runner asks of the plugin host for one plugin entry (engine/events/plugin-host implements it). */
export interface PluginRunRequest {
  component: string
  /** `NN.name` of the entry. */
  name: string
  /** Absolute path of the plugin module (.ts, .js or .mjs). */
  path: string
  event: EventName
  /** Positional CTDB-style arguments; the host turns them into the typed object. */
  args: string[]
  /** Absolute deadline, ms since the epoch: ctx.signal aborts then and the run is TIMEDOUT. */
  deadline: number
  /** Script options for this entry (global script.options overlaid by the per-entry file). */
  options: Record<string, string>
  /** Cluster generation the request was issued under (fencing token); 0 before any cluster exists. */
  generation: number
  /** The node's generation when the plugin starts; differs from `generation` when the request is stale. @default generation */
  currentGeneration?: number
}

/** Contract between the runner and a plugin host. A failed plugin is a result, never a rejection. */
export interface PluginRunner {
  run (req: PluginRunRequest): Promise<ScriptResult>
  /** Cancel whatever runs for the component now (monitor cancellation); its result is CANCELLED. */
  cancel (component: string): void
  /** Stop every host process. */
  close (): Promise<void>
}
