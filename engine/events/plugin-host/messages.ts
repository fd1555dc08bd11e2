// Messages between the daemon and a plugin host process (over Node's IPC channel).

export interface RunMessage {
  type: 'run'
  id: number
  path: string
  name: string
  component: string
  event: string
  args: Record<string, string | number>
  options: Record<string, string>
  generation: number
  deadline: number
  outputCapBytes: number
}

export interface ResultMessage {
  type: 'result'
  id: number
  state: 'OK' | 'ERROR' | 'CANNOT_RUN'
  reason: string
  output: string
  outputTruncated: boolean
}

export interface ReadyMessage { type: 'ready' }

export type HostMessage = ResultMessage | ReadyMessage
