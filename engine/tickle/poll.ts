// The established TCP connections of this host, as `ss` lists them (iproute2), for the tickle lists.
import { execFile } from 'node:child_process'
import { CorralError } from '../errors/index.js'
import { SS_TIMEOUT_MS } from '../config/defaults.js'

// Why: the holder's source of truth for its clients; numeric, no header, established only.
export async function pollEstablished (timeoutMs = SS_TIMEOUT_MS): Promise<string> {
  return await new Promise((resolve, reject) => {
    execFile('ss', ['-tnH', 'state', 'established'], { timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err !== null) { reject(new CorralError('CORRAL_E_INTERNAL', `ss -tnH state established failed: ${stderr.trim() || err.message}`, { cause: err })); return }
      resolve(stdout)
    })
  })
}
