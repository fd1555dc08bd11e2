// Inside the host: a tiny worker thread that kills the host's process group when the daemon is
// gone. The 'disconnect' event covers an idle host; this covers one stuck in a busy loop, whose
// main thread never sees 'disconnect'. (Linux has no PR_SET_PDEATHSIG from Node.)
import { Worker } from 'node:worker_threads'

const CODE = `
const { workerData: w } = require('node:worker_threads')
setInterval(() => {
  if (process.ppid === w.ppid) return
  try { process.kill(-w.pid, 'SIGKILL') } catch {}
  try { process.kill(w.pid, 'SIGKILL') } catch {}
}, w.intervalMs)
`

// Why: a host whose daemon died (even by SIGKILL) must not run, loop or hold resources forever.
export function startOrphanWatchdog (intervalMs: number): void {
  const w = new Worker(CODE, { eval: true, workerData: { ppid: process.ppid, pid: process.pid, intervalMs } })
  w.unref()
  w.on('error', () => {})
}
