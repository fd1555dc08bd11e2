// The control-socket side of notifications: `corral watch` as a server stream.
import { WatchRequestSchema } from '../../protocol/gen/corral/v1/notify_pb.js'
import { handle, type HandlerEntry } from '../transport/handlers.js'
import type { NotificationLog } from './log.js'

// Why: a watcher replays from since_seq then follows; the log bounds what one watcher may queue.
export function notifyHandlers (log: NotificationLog): HandlerEntry[] {
  return [
    handle(WatchRequestSchema, (req, ctx) => {
      const since = req.sinceSeq === undefined ? null : Number(req.sinceSeq)
      return (async function * () {
        for await (const n of log.watch(since, ctx.signal)) {
          if ('gap' in n) yield { seq: BigInt(n.gap.to), timeMs: BigInt(Date.now()), type: 'gap', json: JSON.stringify(n.gap), gap: true }
          else yield { seq: BigInt(n.seq), timeMs: BigInt(n.timeMs), type: n.type, json: JSON.stringify(n.fields) }
        }
      })()
    }),
  ]
}
