// `corral statistics [reset]`: CTDB's `ctdb statistics` adapted: the counters the daemon keeps.
import { StatisticsRequestSchema, type DurationStats, type StatisticsReply } from '../../protocol/gen/corral/v1/stats_pb.js'
import { CorralError } from '../errors/index.js'
import type { GlobalOptions } from './context.js'
import { printJson, printText } from './output.js'
import { ask, withDaemon } from './request.js'

const durations = (d: DurationStats | undefined): { count: number, minMs: number, avgMs: number, maxMs: number } =>
  ({ count: Number(d?.count ?? 0n), minMs: d?.minMs ?? 0, avgMs: d?.avgMs ?? 0, maxMs: d?.maxMs ?? 0 })
const byName = (l: ReadonlyArray<{ name: string, count: bigint }>): Record<string, number> => Object.fromEntries(l.map(x => [x.name, Number(x.count)]))

/** The `--json` document (docs/schemas/statistics.json). */
export function statisticsJson (r: StatisticsReply): Record<string, unknown> {
  return {
    pnn: r.pnn,
    startedMs: Number(r.startedMs),
    sinceMs: Number(r.sinceMs),
    nowMs: Number(r.nowMs),
    uptimeS: Math.floor(Number(r.nowMs - r.startedMs) / 1000),
    requests: byName(r.requests),
    connections: Number(r.connections),
    protocolErrors: Number(r.protocolErrors),
    recoveries: durations(r.recoveries),
    recoveriesFailed: Number(r.recoveriesFailed),
    recoveriesJoined: Number(r.recoveriesJoined),
    takeoverRuns: durations(r.takeoverRuns),
    takeoverRunsFailed: Number(r.takeoverRunsFailed),
    eventRuns: byName(r.eventRuns),
    elections: Number(r.elections),
    bans: Number(r.bans),
    logDropped: Number(r.logDropped),
  }
}

const row = (name: string, value: number | string, indent = 1): string => `${' '.repeat(indent)}${name.padEnd(40 - indent)} ${String(value).padStart(10)}`
const timing = (d: { count: number, minMs: number, avgMs: number, maxMs: number }): string => d.count === 0 ? '' : `   (min ${d.minMs.toFixed(1)} / avg ${d.avgMs.toFixed(1)} / max ${d.maxMs.toFixed(1)} ms)`

// Why: CTDB's layout: one counter per line, groups indented, durations as min/avg/max.
export function statisticsText (j: ReturnType<typeof statisticsJson>): string {
  const s = j as { pnn: number, sinceMs: number, nowMs: number, uptimeS: number, requests: Record<string, number>, eventRuns: Record<string, number>, recoveries: ReturnType<typeof durations>, takeoverRuns: ReturnType<typeof durations> } & Record<string, number>
  return [
    `Statistics of node ${s.pnn < 0 ? '(events only)' : s.pnn} since ${new Date(s.sinceMs).toISOString()} (${Math.round((s.nowMs - s.sinceMs) / 1000)} s; up ${s.uptimeS} s)`,
    row('connections', s.connections),
    row('protocol_errors', s.protocolErrors),
    row('requests', Object.values(s.requests).reduce((a, b) => a + b, 0)),
    ...Object.entries(s.requests).map(([k, v]) => row(k, v, 5)),
    row('recoveries', s.recoveries.count) + timing(s.recoveries),
    row('recoveries_failed', s.recoveriesFailed),
    row('recoveries_joined', s.recoveriesJoined),
    row('takeover_runs', s.takeoverRuns.count) + timing(s.takeoverRuns),
    row('takeover_runs_failed', s.takeoverRunsFailed),
    row('event_runs', Object.values(s.eventRuns).reduce((a, b) => a + b, 0)),
    ...Object.entries(s.eventRuns).map(([k, v]) => row(k, v, 5)),
    row('elections', s.elections),
    row('bans', s.bans),
    row('log_dropped', s.logDropped),
  ].join('\n')
}

// Why: `corral statistics` reads, `corral statistics reset` zeroes the counters after reading.
export async function statistics (g: GlobalOptions, action: string | undefined): Promise<number> {
  if (action !== undefined && action !== 'reset') throw new CorralError('CORRAL_E_USAGE', `expected 'reset' or nothing, got '${action}'`)
  const reset = action === 'reset'
  const r = await withDaemon(g, async c => await ask(c, g, StatisticsRequestSchema, { reset }))
  if (reset) {
    if (g.json === true) printJson({ reset: true, pnn: r.pnn })
    else printText(`Statistics of node ${r.pnn} reset`)
    return 0
  }
  const j = statisticsJson(r)
  if (g.json === true) printJson(j)
  else printText(statisticsText(j))
  return 0
}
