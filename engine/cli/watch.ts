// `corral watch [--since SEQ]`: follow the daemon's notification log, one line per change.
import { WatchRequestSchema, type Notification } from '../../protocol/gen/corral/v1/notify_pb.js'
import { connectControl } from '../transport/client.js'
import { CorralError } from '../errors/index.js'
import { requestTimeoutMs, socketPathOf, type GlobalOptions } from './context.js'

/** Longest a watch waits for the next notification: in effect forever (setTimeout's limit). */
const WATCH_IDLE_MS = 2_147_483_647

/** One notification as `corral watch --json` prints it. */
export function notificationJson (n: Notification): Record<string, unknown> {
  return { seq: Number(n.seq), time_ms: Number(n.timeMs), type: n.type, ...(n.gap ? { gap: true } : {}), fields: JSON.parse(n.json === '' ? '{}' : n.json) as unknown }
}

// Why: `SEQ TIME TYPE key=value ...`: greppable, one change per line, values JSON when not plain.
export function notificationText (n: Notification): string {
  const fields = JSON.parse(n.json === '' ? '{}' : n.json) as Record<string, unknown>
  const kv = Object.entries(fields).map(([k, v]) => `${k}=${typeof v === 'string' && /^[^\s"=]+$/.test(v) ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : JSON.stringify(v)}`)
  return [String(n.seq), new Date(Number(n.timeMs)).toISOString(), n.type, ...kv].join(' ')
}

function parseSince (v: string | undefined): bigint | undefined {
  if (v === undefined) return undefined
  if (!/^[0-9]+$/.test(v)) throw new CorralError('CORRAL_E_USAGE', `--since takes a sequence number (0 for everything kept), got '${v}'`)
  return BigInt(v)
}

// Why: follows until interrupted (or the daemon goes); Ctrl-C ends it with status 0.
export async function watch (g: GlobalOptions, opts: { since?: string }): Promise<number> {
  if (g.node !== undefined) throw new CorralError('CORRAL_E_USAGE', 'watch follows the local daemon only; use --socket to watch another node')
  const sinceSeq = parseSince(opts.since)
  const conn = await connectControl(await socketPathOf(g), { timeoutMs: requestTimeoutMs(g) })
  let stopped = false
  const stop = (): void => { stopped = true; conn.close() }
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
  try {
    for await (const n of conn.stream(WatchRequestSchema, sinceSeq === undefined ? {} : { sinceSeq }, { timeoutMs: WATCH_IDLE_MS })) {
      const line = g.json === true ? JSON.stringify(notificationJson(n)) : notificationText(n)
      if (!process.stdout.write(line + '\n')) await new Promise(resolve => process.stdout.once('drain', resolve))
    }
    return 0
  } catch (err) {
    if (stopped) return 0
    throw err
  } finally {
    process.off('SIGINT', stop)
    process.off('SIGTERM', stop)
    conn.close()
  }
}
