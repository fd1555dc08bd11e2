// Helpers for CLI tests: run the built `corral` and start a built `corrald` in a temp dir.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'

export const ROOT = resolve(import.meta.dirname, '..', '..')
export const CLI = join(ROOT, 'dist', 'bin', 'corral.js')
export const DAEMON = join(ROOT, 'dist', 'bin', 'corrald.js')

export interface CliResult { code: number, stdout: string, stderr: string }

// Why: tests drive the shipped CLI exactly as an admin would.
export function corral (args: string[], opts: { input?: string, env?: NodeJS.ProcessEnv } = {}): CliResult {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', input: opts.input ?? '', env: { ...process.env, NODE_OPTIONS: '', ...opts.env }, timeout: 60_000 })
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr }
}

export interface TestDaemon { dir: string, configDir: string, socket: string, child: ChildProcess, stop (): Promise<void> }

// Why: one private daemon per test file, stopped by pid at the end.
export async function startDaemon (extraArgs: string[] = []): Promise<TestDaemon> {
  const dir = mkdtempSync(join(tmpdir(), 'corral-cli-'))
  const configDir = join(dir, 'etc')
  mkdirSync(join(configDir, 'events.d'), { recursive: true })
  const socket = join(dir, 'run', 'corrald.sock')
  const child = spawn(process.execPath, [DAEMON, '--config-dir', configDir, '--run-dir', join(dir, 'run'), '--state-dir', join(dir, 'state'),
    '--log', `file:${join(dir, 'corrald.log')}`, '--events-only', ...extraArgs], { stdio: 'ignore', env: { ...process.env, NODE_OPTIONS: '' } })
  const end = Date.now() + 20_000
  while (!existsSync(socket)) {
    if (Date.now() > end || child.exitCode !== null) throw new Error(`corrald did not start (exit ${child.exitCode})`)
    await new Promise(resolve => setTimeout(resolve, 50))
  }
  return {
    dir, configDir, socket, child,
    async stop () {
      if (child.exitCode === null) {
        const exited = new Promise(resolve => child.once('exit', resolve))
        child.kill('SIGTERM')
        await Promise.race([exited, new Promise(resolve => setTimeout(resolve, 5000))])
        if (child.exitCode === null) child.kill('SIGKILL')
      }
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
