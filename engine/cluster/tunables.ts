// Tunables (§6.2): CTDB's runtime uint32 settings with CTDB's names, defaults and `listvars`
// order, plus corral's own (appended, marked `origin: 'corral'`). Names are case-insensitive.
import { CorralError } from '../errors/index.js'
import type { ErrorCode } from '../errors/index.js'
import {
  EVENT_SCRIPT_TIMEOUT_S, HEARTBEAT_INTERVAL_MS, HEARTBEAT_LIMIT, MONITOR_FALL, MONITOR_RISE, MONITOR_TIMEOUT_COUNT,
} from '../config/defaults.js'

export interface TunableSpec {
  /** CTDB's spelling; lookups ignore case. */
  readonly name: string
  readonly default: number
  /** `ctdb`: CTDB's tunable; `corral`: corral's own. */
  readonly origin: 'ctdb' | 'corral'
  /** `inert`: accepted and listed so CTDB scripts keep working, but corral does not use it. */
  readonly effect: 'used' | 'inert'
  /** Smallest accepted value (corral's check; CTDB accepts any uint32). */
  readonly min?: number
  /** When corral's default differs from CTDB's, CTDB's. */
  readonly ctdbDefault?: number
  readonly description: string
}

const c = (name: string, def: number, effect: 'used' | 'inert', description: string, extra: Partial<TunableSpec> = {}): TunableSpec =>
  ({ name, default: def, origin: 'ctdb', effect, description, ...extra })

/** Every current tunable, in `listvars` order: CTDB's 49 (UNIT/tool/ctdb.listvars.001), then corral's. */
export const TUNABLES: readonly TunableSpec[] = [
  c('SeqnumInterval', 1000, 'inert', 'ms between sequence-number broadcasts of tracked databases'),
  c('ControlTimeout', 60, 'used', 'default request timeout between daemons (s)'),
  c('TraverseTimeout', 20, 'inert', 'cluster-wide traverse limit (s)'),
  c('KeepaliveInterval', 5, 'inert', 'CTDB keepalive period (s); corral detects hung peers with HeartbeatIntervalMs'),
  c('KeepaliveLimit', 5, 'inert', 'CTDB silent keepalive periods; corral uses HeartbeatLimit'),
  c('RecoverTimeout', 30, 'used', 'request timeout used by the leader during recovery (s)'),
  c('RecoverInterval', 1, 'used', 'leader loop period (s)'),
  c('ElectionTimeout', 3, 'used', 'election round length without a cluster lock (s)'),
  c('TakeoverTimeout', 9, 'used', 'per-stage budget of a takeover run (s)'),
  c('MonitorInterval', 15, 'used', 'longest interval between monitor events (s)'),
  c('TickleUpdateInterval', 20, 'used', 'period of the tickle list poll and push to other nodes (s)', { min: 1 }),
  c('EventScriptTimeout', EVENT_SCRIPT_TIMEOUT_S, 'used', 'deadline of a whole event run (s)'),
  c('MonitorTimeoutCount', MONITOR_TIMEOUT_COUNT, 'used', 'monitor timeouts in a row that count as one failure', { ctdbDefault: 20, min: 1 }),
  c('RecoveryGracePeriod', 120, 'used', 'banning credits older than this are forgiven (s)'),
  c('RecoveryBanPeriod', 300, 'used', 'length of automatic bans (s)'),
  c('DatabaseHashSize', 100001, 'inert', 'TDB hash chains (corral uses LMDB)'),
  c('DatabaseMaxDead', 5, 'inert', 'dead records per TDB chain'),
  c('RerecoveryTimeout', 10, 'used', 'no new recovery this long after one finished (s)'),
  c('EnableBans', 1, 'used', '0 turns automatic and requested bans off (unban still works)'),
  c('NoIPFailback', 0, 'used', '1: no rebalancing of IPs onto recovered or new nodes'),
  c('VerboseMemoryNames', 0, 'inert', 'talloc naming'),
  c('RecdPingTimeout', 60, 'inert', 'recovery daemon ping timeout (s)'),
  c('RecdFailCount', 10, 'inert', 'missed recovery daemon pings before a restart'),
  c('LogLatencyMs', 0, 'used', 'log database operations slower than this (ms, 0 = off)'),
  c('RecLockLatencyMs', 1000, 'used', 'log cluster lock operations slower than this (ms)'),
  c('RecoveryDropAllIPs', 120, 'used', 'release all IPs after this long in recovery mode (s)'),
  c('VacuumInterval', 10, 'used', 'vacuuming period (s): deleted volatile records are removed cluster-wide'),
  c('VacuumMaxRunTime', 120, 'inert', 'vacuuming run limit (s)'),
  c('RepackLimit', 10000, 'inert', 'free-list size that triggers a repack'),
  c('VacuumFastPathCount', 60, 'inert', 'fast vacuum runs per full run'),
  c('MaxQueueDropMsg', 1000000, 'inert', 'queued messages before a client is considered hung'),
  c('AllowUnhealthyDBRead', 0, 'used', 'allow traverses of unhealthy persistent databases'),
  c('StatHistoryInterval', 1, 'inert', '`stats` granularity (s)'),
  c('DeferredAttachTO', 120, 'used', 'how long attach requests wait while databases are frozen (s)'),
  c('AllowClientDBAttach', 1, 'used', '0 blocks new database attaches'),
  c('FetchCollapse', 1, 'inert', 'collapse concurrent fetches of one record'),
  c('HopcountMakeSticky', 50, 'inert', 'hops before a record becomes sticky'),
  c('StickyDuration', 600, 'inert', 'sticky record lifetime (s)'),
  c('StickyPindown', 200, 'inert', 'sticky record pin-down (ms)'),
  c('NoIPTakeover', 0, 'used', '1: nodes never gain IPs'),
  c('DBRecordCountWarn', 100000, 'used', 'warn in recovery above this many records (0 = off)'),
  c('DBRecordSizeWarn', 10000000, 'used', 'warn in recovery above this record size (0 = off)'),
  c('DBSizeWarn', 100000000, 'used', 'warn in recovery above this database size (0 = off)'),
  c('PullDBPreallocation', 10485760, 'inert', 'initial buffer of pull replies (bytes)'),
  c('LockProcessesPerDB', 200, 'inert', 'lock helper processes per database'),
  c('RecBufferSizeLimit', 1000000, 'used', 'largest record batch per message in recovery (bytes)'),
  c('QueueBufferSize', 1024, 'inert', 'socket read chunk (bytes)'),
  c('IPAllocAlgorithm', 2, 'used', '0 deterministic, 1 non-deterministic, 2 LCP2'),
  c('AllowMixedVersions', 0, 'used', '1 allows nodes of different major.minor versions'),
  // corral's own
  { name: 'HeartbeatIntervalMs', default: HEARTBEAT_INTERVAL_MS, origin: 'corral', effect: 'used', min: 10, description: 'heartbeat period of the failure detector (ms)' },
  { name: 'HeartbeatLimit', default: HEARTBEAT_LIMIT, origin: 'corral', effect: 'used', min: 2, description: 'silent heartbeat intervals, in this node\'s own observed time, before a peer is DISCONNECTED' },
  { name: 'MonitorRise', default: MONITOR_RISE, origin: 'corral', effect: 'used', min: 1, description: 'passing monitors in a row before UNHEALTHY is cleared' },
  { name: 'MonitorFall', default: MONITOR_FALL, origin: 'corral', effect: 'used', min: 1, description: 'failing monitors in a row before UNHEALTHY is set' },
]

/** CTDB's obsolete tunables: `setvar` warns and changes nothing; tunables files reject them. */
export const OBSOLETE_TUNABLES: readonly string[] = [
  'MaxRedirectCount', 'EventScriptUnhealthyOnTimeout', 'DeterministicIPs', 'LCP2PublicIPs', 'ReclockPingPeriod',
  'DisableIPFailover', 'VerifyRecoveryLock', 'VacuumLimit', 'RecoverPDBBySeqNum', 'DeferredRebalanceOnNodeAdd',
  'NoIPHostOnAllDisabled', 'Samba3AvoidDeadlocks', 'TDBMutexEnabled',
]

/** Current values, keyed by CTDB's spelling. */
export type Tunables = Readonly<Record<string, number>>

const BY_LOWER = new Map(TUNABLES.map(t => [t.name.toLowerCase(), t]))
const OBSOLETE_LOWER = new Map(OBSOLETE_TUNABLES.map(n => [n.toLowerCase(), n]))
const UINT32_MAX = 0xffffffff

// Why: every node starts from the same table; files and setvar change values from there.
export function defaultTunables (): Tunables {
  return Object.freeze(Object.fromEntries(TUNABLES.map(t => [t.name, t.default])))
}

// Why: names are matched case-insensitively everywhere, as CTDB does (strcasecmp).
export function findTunable (name: string): TunableSpec | undefined {
  return BY_LOWER.get(name.toLowerCase())
}

// Why: values are parsed like CTDB's smb_strtoul(base 0): decimal, 0x hex, leading-0 octal, whole string.
export function parseTunableValue (text: string): number | undefined {
  const s = text.trim()
  let n: number
  if (/^0[xX][0-9a-fA-F]+$/.test(s)) n = Number.parseInt(s.slice(2), 16)
  else if (/^0[0-7]*$/.test(s)) n = Number.parseInt(s, 8)
  else if (/^[1-9][0-9]*$/.test(s)) n = Number(s)
  else return undefined
  return n <= UINT32_MAX ? n : undefined
}

/** `getvar` result: the value and the line CTDB prints (`%-26s = %u`, with the name as typed). */
export interface GetvarResult {
  name: string
  value: number
  line: string
}

// Why: `corral getvar NAME`; unknown names fail with CTDB's "No such tunable NAME".
export function getvar (t: Tunables, name: string): GetvarResult {
  const spec = findTunable(name)
  if (spec === undefined) {
    if (OBSOLETE_LOWER.has(name.toLowerCase())) return { name: OBSOLETE_LOWER.get(name.toLowerCase()) as string, value: 0, line: varLine(name, 0) }
    throw new CorralError('CORRAL_E_CONFIG_UNKNOWN_KEY', `No such tunable ${name}`)
  }
  const value = t[spec.name] ?? spec.default
  return { name: spec.name, value, line: varLine(name, value) }
}

export interface SetvarResult {
  tunables: Tunables
  /** Set when the tunable is obsolete ("Setting obsolete tunable variable 'X'") or inert in corral. */
  warning?: string
}

// Why: `corral setvar NAME VALUE` validates before anything changes; obsolete names only warn.
export function setvar (t: Tunables, name: string, valueText: string): SetvarResult {
  const spec = findTunable(name)
  if (spec === undefined) {
    if (OBSOLETE_LOWER.has(name.toLowerCase())) return { tunables: t, warning: `Setting obsolete tunable variable '${name}'` }
    throw new CorralError('CORRAL_E_CONFIG_UNKNOWN_KEY', `No such tunable ${name}`)
  }
  const value = checkValue(spec, valueText)
  if (typeof value === 'string') throw new CorralError('CORRAL_E_CONFIG_VALUE', value)
  const tunables = Object.freeze({ ...t, [spec.name]: value })
  return spec.effect === 'inert'
    ? { tunables, warning: `Tunable ${spec.name} is accepted for compatibility but has no effect in corral` }
    : { tunables }
}

function checkValue (spec: TunableSpec, text: string): number | string {
  const value = parseTunableValue(text)
  if (value === undefined) return `Invalid value "${text}" for tunable "${spec.name}" (expected an unsigned 32-bit integer)`
  if (spec.min !== undefined && value < spec.min) return `Invalid value "${text}" for tunable "${spec.name}" (must be at least ${spec.min})`
  return value
}

function varLine (name: string, value: number): string {
  return `${name.padEnd(26)} = ${value}`
}

// Why: `corral listvars` prints every current tunable in table order, one getvar line each.
export function listvars (t: Tunables): string {
  return TUNABLES.map(s => varLine(s.name, t[s.name] ?? s.default) + '\n').join('')
}

// Why: the tunables file (`NAME=VALUE` lines) is checked whole; every bad line is reported, each with file:line.
// With `sink`, each problem is collected there as its own error instead of thrown together.
export function parseTunables (text: string, file = 'corral.tunables', base: Tunables = defaultTunables(), sink?: CorralError[]): Tunables {
  const values: Record<string, number> = { ...base }
  const problems: Array<{ code: ErrorCode, line: number, message: string }> = []
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim()
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue
    const bad = (code: ErrorCode, message: string): void => { problems.push({ code, line: i + 1, message }) }
    if (line.startsWith('[')) { bad('CORRAL_E_CONFIG_SYNTAX', `Invalid line for section ${line} - tunables sections not supported`); continue }
    const eq = line.indexOf('=')
    const name = (eq < 0 ? line : line.slice(0, eq)).trim()
    const valueText = eq < 0 ? '' : line.slice(eq + 1).trim()
    if (valueText === '') { bad('CORRAL_E_CONFIG_SYNTAX', `Invalid tunables line containing "${name}"`); continue }
    if (OBSOLETE_LOWER.has(name.toLowerCase())) { bad('CORRAL_E_CONFIG_UNKNOWN_KEY', `Obsolete tunable "${name}"`); continue }
    const spec = findTunable(name)
    if (spec === undefined) { bad('CORRAL_E_CONFIG_UNKNOWN_KEY', `Unknown tunable "${name}"`); continue }
    const value = checkValue(spec, valueText)
    if (typeof value === 'string') { bad('CORRAL_E_CONFIG_VALUE', value); continue }
    values[spec.name] = value
  }
  if (sink !== undefined) for (const p of problems) sink.push(new CorralError(p.code, p.message, { place: { file, line: p.line } }))
  if (problems.length > 0 && sink === undefined) {
    const [first, ...rest] = problems
    const more = rest.map(p => `\n${file}:${p.line}: ${p.message}`).join('')
    throw new CorralError(first.code, first.message + more, { place: { file, line: first.line } })
  }
  return Object.freeze(values)
}
