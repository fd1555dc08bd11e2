// Messages between the daemon and a plugin host process, over Node's IPC channel (one channel,
// so a run's output lines and its result arrive in the order the host sent them).

/** Daemon → host: run one handler. */
export interface RunMessage {
  type: 'run'
  id: number
  path: string
  component: string
  event: string
  /** The typed argument object (`{ iface, ip, maskbits }`), already converted. */
  args: Record<string, string | number>
  options: Record<string, string>
  generation: number
  /** The node's generation when the run was sent (ctx.currentGeneration). */
  currentGeneration: number
  /** Absolute deadline, ms since the epoch: ctx.signal aborts then. */
  deadline: number
  /** The host stops sending output for this run past this many bytes. */
  outputCapBytes: number
}

/** Host → daemon: output of the current run (ctx.log lines, console and process.stdout/stderr writes). */
export interface OutputMessage {
  type: 'output'
  id: number
  text: string
}

/** Host → daemon: how the handler ended. */
export interface ResultMessage {
  type: 'result'
  id: number
  state: 'OK' | 'ERROR' | 'DEGRADED' | 'CANNOT_RUN'
  reason: string
  /** True when the host dropped output past the cap. */
  truncated: boolean
}

/** Host → daemon: the host has started and tsx is registered. */
export interface ReadyMessage { type: 'ready' }

export type HostMessage = OutputMessage | ResultMessage | ReadyMessage
