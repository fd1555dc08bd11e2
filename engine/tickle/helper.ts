// Runs the tickle helper (libexec/corral-tickle): Node.js cannot open raw sockets, so the packets are
// built and sent by a small Python 3 program (standard library only) that ships in the package. It runs
// as root, so in isolated mode (-I: no PYTHONPATH, no user site) and without the site module (-S).
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { packageRoot } from '../config/package-root.js'
import { CorralError } from '../errors/index.js'
import { formatEndpoint, type Connection } from './connection.js'
import { TICKLE_HELPER_PATH, TICKLE_HELPER_TIMEOUT_MS, TICKLE_PYTHON } from '../config/defaults.js'

export interface HelperOptions {
  /** Interpreter. @default python3 */
  python?: string
  /** Helper file. @default <package>/libexec/corral-tickle */
  helper?: string
  /** @default 5000 ms */
  timeoutMs?: number
  /** Print the packets (hex, one per line) instead of sending them. */
  dryRun?: boolean
}

/** Exit statuses of the helper. */
const EX_USAGE = 64
const EX_NOPERM = 77

// Why: the daemon and `corral tickle` send through one function that turns every failure into a clear error.
export async function runTickleHelper (conns: readonly Connection[], o: HelperOptions = {}): Promise<string> {
  const helper = o.helper ?? join(packageRoot(), TICKLE_HELPER_PATH)
  const python = o.python ?? TICKLE_PYTHON
  if (!existsSync(helper)) throw new CorralError('CORRAL_E_TICKLE_HELPER', `the tickle helper ${helper} is missing (is the package complete?)`)
  const input = conns.map(c => `${formatEndpoint(c.src)} ${formatEndpoint(c.dst)}\n`).join('')
  return await new Promise<string>((resolve, reject) => {
    const child = spawn(python, ['-I', '-S', helper, ...(o.dryRun === true ? ['--dry-run'] : [])], { stdio: ['pipe', 'pipe', 'pipe'] })
    let out = ''
    let err = ''
    const timer = setTimeout(() => { child.kill('SIGKILL') }, o.timeoutMs ?? TICKLE_HELPER_TIMEOUT_MS)
    child.stdout.setEncoding('utf8').on('data', (s: string) => { if (out.length < 1 << 20) out += s })
    child.stderr.setEncoding('utf8').on('data', (s: string) => { if (err.length < 8192) err += s })
    child.stdin.on('error', () => {})
    child.on('error', e => {
      clearTimeout(timer)
      const missing = (e as NodeJS.ErrnoException).code === 'ENOENT'
      reject(new CorralError('CORRAL_E_TICKLE_HELPER', missing ? `cannot run the tickle helper: '${python}' is not installed (tickle ACKs need Python 3)` : `cannot run the tickle helper: ${e.message}`, { cause: e }))
    })
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      const why = err.trim().split('\n').pop() ?? ''
      if (code === 0) { resolve(out); return }
      if (signal !== null) { reject(new CorralError('CORRAL_E_TICKLE_HELPER', `the tickle helper was killed (${signal}) after ${o.timeoutMs ?? TICKLE_HELPER_TIMEOUT_MS} ms`)); return }
      if (code === EX_NOPERM) { reject(new CorralError('CORRAL_E_TICKLE_PERMISSION', why.replace(/^corral-tickle: /, '') || 'sending tickle ACKs needs root or CAP_NET_RAW')); return }
      if (code === EX_USAGE) { reject(new CorralError('CORRAL_E_USAGE', why.replace(/^corral-tickle: /, ''))); return }
      reject(new CorralError('CORRAL_E_TICKLE_HELPER', `the tickle helper failed (exit ${code ?? '?'}): ${err.trim().replace(/\n/g, '; ')}`))
    })
    child.stdin.end(input)
  })
}
