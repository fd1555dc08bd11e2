// Built-in file lock helper: `file-helper FILE [RECHECK_INTERVAL_S]`, the same arguments and
// behaviour as CTDB's ctdb_mutex_fcntl_helper. Node has no flock()/fcntl(), so the kernel lock is
// taken by util-linux `flock -n` on a file descriptor *this process* opened and lends to it: a
// flock(2) lock belongs to the open file description, so it stays held after flock(1) exits, for
// exactly as long as this process lives. Any death of this helper (SIGTERM, crash, kill -9)
// closes the descriptor and the kernel frees the lock. docs/cluster-lock.md has the details.
import { spawn } from 'node:child_process'
import { closeSync, constants, fstatSync, openSync, statSync } from 'node:fs'
import { CLUSTER_LOCK_RECHECK_INTERVAL_S } from '../../config/defaults.js'
import { fail, initHelper, logErr, onTerminate, parentToWatch, report, watchParent } from './helper-runtime.js'

const NAME = 'corral-file-lock'
/** flock(1)'s exit status on contention (its -E option); distinct from its error statuses. */
const CONFLICT_EXIT = 100

initHelper()
await main()

async function main (): Promise<void> {
  const [file, recheckText] = process.argv.slice(2)
  if (file === undefined || file === '') fail(NAME, 'error', 'usage: file-helper FILE [RECHECK_INTERVAL_S]')
  const recheckS = recheckText === undefined ? CLUSTER_LOCK_RECHECK_INTERVAL_S : Number(recheckText)
  if (!(recheckS > 0)) fail(NAME, 'error', `bad recheck interval "${recheckText}"`)
  const parent = parentToWatch(NAME)

  let fd: number
  try {
    fd = openSync(file, constants.O_RDWR | constants.O_CREAT, 0o600)
  } catch (err) {
    fail(NAME, 'error', `cannot open lock file "${file}": ${(err as Error).message}`)
  }
  const status = await flockNonBlocking(fd)
  if (status === 'contended') fail(NAME, 'contended')
  if (status !== 'held') fail(NAME, 'error', status)

  const locked = fstatSync(fd)
  const sameFile = (): string | undefined => {
    let now
    try {
      now = statSync(file)
    } catch (err) {
      return `lock file "${file}" check failed: ${(err as Error).message}`
    }
    if (now.ino !== locked.ino || now.dev !== locked.dev) return `lock file "${file}" inode changed`
    return undefined
  }
  // The file may have been replaced between open() and the lock: then this lock protects nothing.
  const early = sameFile()
  if (early !== undefined) fail(NAME, 'error', early)

  onTerminate(() => closeSync(fd))
  report('held')
  watchParent(parent, () => {
    logErr(NAME, `parent ${parent} is gone, releasing the lock`)
    process.exit(0)
  })
  setInterval(() => {
    const lost = sameFile()
    if (lost === undefined) return
    logErr(NAME, `lock lost - ${lost}`)
    process.exit(0)
  }, recheckS * 1000)
}

// flock(1) locks our descriptor (its fd 3) and exits at once: 'held', 'contended' or the error text.
function flockNonBlocking (fd: number): Promise<string> {
  return new Promise(resolve => {
    const child = spawn('flock', ['-n', '-E', String(CONFLICT_EXIT), '3'], { stdio: ['ignore', 'ignore', 'pipe', fd] })
    let stderr = ''
    child.stderr?.setEncoding('utf8').on('data', (s: string) => { stderr += s })
    child.on('error', err => resolve(`cannot run flock(1) from util-linux: ${err.message}`))
    child.on('close', code => {
      if (code === 0) resolve('held')
      else if (code === CONFLICT_EXIT) resolve('contended')
      else resolve(`flock(1) failed (exit ${code}): ${stderr.trim()}`)
    })
  })
}
