// Starting a service's own start command so it outlives the plugin host: in a new session, not
// in the host's process group (which is killed as a whole when the host stops or a run times out).
import { openSync, closeSync } from 'node:fs'
import { spawn } from 'node:child_process'

export interface Started {
  pid: number
  /** Why the start command ended badly, or null while it runs or after it exited 0. */
  failure (): string | null
  /** True once the command has exited (a forking daemon's launcher does; a foreground one does not). */
  exited (): boolean
}

// Why: a foreground daemon must keep running after startup returns; a forking one's launcher exit code still counts.
export function startDetached (command: string, env: NodeJS.ProcessEnv, logFile: string | null): Started {
  const fd = logFile === null ? 'ignore' : openSync(logFile, 'a')
  let failure: string | null = null
  let done = false
  try {
    const child = spawn('/bin/sh', ['-c', command], { detached: true, stdio: ['ignore', fd, fd], env })
    child.on('error', err => { done = true; failure = `start command could not run: ${err.message}` })
    child.on('exit', (code, signal) => {
      done = true
      if (code !== 0) failure = `start command '${command}' ended with ${signal !== null ? `signal ${signal}` : `exit code ${String(code)}`}`
    })
    child.unref()
    return { pid: child.pid ?? -1, failure: () => failure, exited: () => done }
  } finally {
    if (typeof fd === 'number') closeSync(fd)
  }
}
