// `corral ping` and `corral version`.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { packageRoot } from '../config/package-root.js'
import { PingSchema } from '../../protocol/gen/corral/v1/common_pb.js'
import { connectControl } from '../transport/client.js'
import { ask } from './request.js'
import { requestTimeoutMs, socketPathOf, type GlobalOptions } from './context.js'
import { printJson, printText } from './output.js'

// Why: the quickest way to see that a daemon answers and since when.
export async function ping (g: GlobalOptions): Promise<number> {
  const socket = await socketPathOf(g)
  const t0 = performance.now()
  const conn = await connectControl(socket, { timeoutMs: requestTimeoutMs(g) })
  try {
    const pong = await ask(conn, g, PingSchema, {})
    const rttMs = performance.now() - t0
    const started = Number(pong.daemonStartedMs)
    if (g.json === true) printJson({ pid: pong.pid, startedAt: new Date(started).toISOString(), uptimeS: Math.round((Date.now() - started) / 1000), timeMs: Number(rttMs.toFixed(3)) })
    else printText(`response from corrald pid ${pong.pid} time=${(rttMs / 1000).toFixed(6)} sec, up since ${new Date(started).toISOString()}`)
    return 0
  } finally {
    conn.close()
  }
}

// Why: admins and bug reports need the exact version.
export async function version (g: GlobalOptions): Promise<number> {
  const pkg = JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string }
  if (g.json === true) printJson({ version: pkg.version })
  else printText(`corral ${pkg.version}`)
  return 0
}
