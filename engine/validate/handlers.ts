// The control-socket side of statistics and config digests (types 250-253).
import { ConfigDigestRequestSchema, StatisticsRequestSchema } from '../../protocol/gen/corral/v1/stats_pb.js'
import type { CorralConfig } from '../config/index.js'
import { handle, type HandlerEntry } from '../transport/handlers.js'
import type { DaemonStatistics, Durations } from '../stats/counters.js'
import { checkNodeFiles } from './check.js'
import { configDigest } from './digest.js'

const named = (r: Record<string, number>): Array<{ name: string, count: bigint }> => Object.entries(r).map(([name, count]) => ({ name, count: BigInt(count) }))
const durations = (d: Durations): { count: bigint, minMs: number, avgMs: number, maxMs: number } => ({ count: BigInt(d.count), minMs: d.minMs, avgMs: d.avgMs, maxMs: d.maxMs })

// Why: `corral statistics` and `config validate --cluster` (through -n PNN) reach a node here.
export function statsHandlers (stats: DaemonStatistics, config: CorralConfig, node: { pnn: number, tunables: Record<string, number> } | null): HandlerEntry[] {
  return [
    handle(StatisticsRequestSchema, req => {
      const s = stats.snapshot(req.reset)
      return {
        pnn: s.pnn, startedMs: BigInt(s.startedMs), sinceMs: BigInt(s.sinceMs), nowMs: BigInt(s.nowMs),
        requests: named(s.requests), connections: BigInt(s.connections), protocolErrors: BigInt(s.protocolErrors),
        recoveries: durations(s.recoveries), recoveriesFailed: BigInt(s.recoveriesFailed), recoveriesJoined: BigInt(s.recoveriesJoined),
        takeoverRuns: durations(s.takeoverRuns), takeoverRunsFailed: BigInt(s.takeoverRunsFailed),
        eventRuns: named(s.eventRuns), elections: BigInt(s.elections), bans: BigInt(s.bans), logDropped: BigInt(s.logDropped),
      }
    }),
    handle(ConfigDigestRequestSchema, () => {
      // The files as they are on disk now (what the next start would read), the tunables as running.
      const d = configDigest(checkNodeFiles({ configDir: config.paths.configDir, file: config.file ?? undefined }), node?.pnn ?? -1, node?.tunables ?? {})
      return { ...d, pnn: d.pnn }
    }),
  ]
}
