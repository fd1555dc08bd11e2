// What every CLI command needs: the global options and the control socket they point at.
import { join, resolve } from 'node:path'
import { CONTROL_SOCKET_NAME, REQUEST_TIMEOUT_MS } from '../config/defaults.js'

export interface GlobalOptions {
  configDir?: string
  socket?: string
  json?: boolean
  timelimit?: number
  /** `-n PNN`: send the request to that node through the local daemon. */
  node?: number
}

// Why: the socket is found the same way by every command: flag, environment, then config.
export async function socketPathOf (g: GlobalOptions): Promise<string> {
  if (g.socket !== undefined) return resolve(g.socket)
  if (process.env.CORRAL_SOCKET !== undefined && process.env.CORRAL_SOCKET !== '') return resolve(process.env.CORRAL_SOCKET)
  const { loadConfig } = await import('../config/load.js')
  const config = loadConfig({ configDir: g.configDir })
  return config.paths.socketPath ?? join(config.paths.runDir, CONTROL_SOCKET_NAME)
}

// Why: `ip plan` and `ptrans` read their input the same way: all of stdin, nothing from a terminal.
export async function readStdin (): Promise<string> {
  if (process.stdin.isTTY) return ''
  const chunks: Buffer[] = []
  for await (const c of process.stdin) chunks.push(c as Buffer)
  return Buffer.concat(chunks).toString('utf8')
}

// Why: -t applies to every request a command makes.
export function requestTimeoutMs (g: GlobalOptions): number {
  return g.timelimit !== undefined ? Math.round(g.timelimit * 1000) : REQUEST_TIMEOUT_MS
}
