// Loading and validating corral.conf into one frozen, typed object.

import { readFileSync } from 'node:fs'
import { isAbsolute, join, resolve } from 'node:path'
import { CorralError } from '../errors/index.js'
import * as D from './defaults.js'
import { parseIni, type IniEntry } from './ini.js'
import { SCHEMA, SCRIPT_TIMEOUTS_SECTION, type KeySpec } from './schema.js'
import { EVENT_NAMES, type EventName } from '../events/types.js'
import { isLoopback, parseMetricsAddress, type MetricsAddress } from '../metrics/address.js'

export interface CorralConfig {
  /** The file read, or null when defaults only. */
  readonly file: string | null
  readonly paths: {
    readonly configDir: string
    readonly stateDir: string
    readonly runDir: string
    readonly eventsDir: string
    readonly socketPath: string
  }
  readonly cluster: {
    readonly nodesFile: string
    readonly nodeAddress: string | null
    readonly port: number
    readonly keyFile: string
    readonly lock: string | null
    readonly startAsStopped: boolean
    readonly startAsDisabled: boolean
    readonly eventsOnly: boolean
  }
  readonly failover: {
    readonly disabled: boolean
    readonly publicAddresses: string
    readonly interfaces: 'kernel' | 'recorded'
    readonly statusCallback: string | null
    readonly statusCallbackTimeoutS: number
    readonly checkIntervalS: number
  }
  readonly logging: { readonly location: string, readonly level: string }
  readonly notify: { readonly retentionS: number, readonly maxEntries: number }
  readonly event: {
    readonly debugScript: string | null
    readonly notificationScript: string | null
    readonly timeoutS: number
    readonly eventTimeoutsS: Readonly<Partial<Record<EventName, number>>>
    /** `component/NN.name` → seconds. */
    readonly scriptTimeoutsS: Readonly<Record<string, number>>
    readonly runAll: boolean
    readonly outputCapBytes: number
    readonly queueLimit: number
    readonly concurrency: number
    readonly historySize: number
  }
  readonly metrics: {
    /** Where to serve /metrics; null = off; `host: null` = this node's cluster address. */
    readonly address: MetricsAddress | null
    readonly allowNonLoopback: boolean
  }
}

/** Paths given on the command line or in the environment win over the file. */
export interface PathOverrides {
  configDir?: string
  stateDir?: string
  runDir?: string
  eventsDir?: string
  socketPath?: string
}

type Value = string | number | boolean

// Why: one entry point validates everything at load, so the daemon never runs on a half-read config.
export function loadConfig (opts: { configDir?: string, file?: string, overrides?: PathOverrides, env?: NodeJS.ProcessEnv } = {}): CorralConfig {
  // An empty variable means unset (so `CORRAL_SOCKET= corrald` falls back to the config).
  const env = Object.fromEntries(Object.entries(opts.env ?? process.env).filter(([, v]) => v !== undefined && v !== '')) as NodeJS.ProcessEnv
  const configDir = resolve(opts.overrides?.configDir ?? opts.configDir ?? env.CORRAL_CONFIG_DIR ?? D.DEFAULT_CONFIG_DIR)
  const file = opts.file !== undefined ? resolve(opts.file) : join(configDir, D.CONFIG_FILE_NAME)
  let text: string | null = null
  try {
    text = readFileSync(file, 'utf8')
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    // A missing default file means "all defaults"; a file named explicitly must exist.
    if (!(code === 'ENOENT' && opts.file === undefined)) {
      throw new CorralError('CORRAL_E_CONFIG_READ', `cannot read config: ${(err as Error).message}`, { place: { file }, cause: err })
    }
  }
  return buildConfig(text === null ? [] : parseIni(text, file), text === null ? null : file, configDir, opts.overrides ?? {}, env)
}

// Why: tests and `corral config validate` check text without touching the file system. With
// `problems`, every bad line is collected there (and its key left at the default) instead of thrown.
export function parseConfigText (text: string, file: string, configDir: string, overrides: PathOverrides = {}, problems?: CorralError[]): CorralConfig {
  return buildConfig(parseIni(text, file, problems), file, configDir, overrides, {}, problems)
}

function buildConfig (entries: IniEntry[], file: string | null, configDir: string, ov: PathOverrides, env: NodeJS.ProcessEnv, problems?: CorralError[]): CorralConfig {
  const collect = (err: unknown): void => {
    if (problems === undefined || !(err instanceof CorralError)) throw err
    problems.push(err)
  }
  const where = file ?? '(defaults)'
  const values = new Map<string, Value>()
  const seen = new Map<string, number>()
  const scriptTimeouts: Record<string, number> = {}
  for (const e of entries) {
    const id = `${e.section}/${e.key}`
    const place = { file: where, line: e.line, field: `[${e.section}] ${e.key}` }
    try {
      entry(e, id, place)
    } catch (err) {
      collect(err)
    }
  }
  function entry (e: IniEntry, id: string, place: { file: string, line: number, field: string }): void {
    const prev = seen.get(id)
    if (prev !== undefined) throw new CorralError('CORRAL_E_CONFIG_VALUE', `key repeated (first set on line ${prev})`, { place })
    seen.set(id, e.line)
    if (e.section === SCRIPT_TIMEOUTS_SECTION) {
      if (!/^[A-Za-z0-9_.-]+\/[0-9]{2}\..+$/.test(e.key)) {
        throw new CorralError('CORRAL_E_CONFIG_UNKNOWN_KEY', `expected 'COMPONENT/NN.name = SECONDS'`, { place })
      }
      scriptTimeouts[e.key] = convert({ section: e.section, key: e.key, type: { kind: 'int', min: 1, max: 86_400 }, default: null, description: '' }, e.value, place) as number
      return
    }
    const spec = SCHEMA.find(s => s.section === e.section && s.key === e.key)
    if (spec === undefined) {
      const known = SCHEMA.some(s => s.section === e.section)
      throw new CorralError('CORRAL_E_CONFIG_UNKNOWN_KEY', known ? `unknown key '${e.key}' in [${e.section}]` : `unknown section [${e.section}]`, { place })
    }
    values.set(id, convert(spec, e.value, place))
  }
  const get = (section: string, key: string): Value | null => {
    const v = values.get(`${section}/${key}`)
    if (v !== undefined) return v
    const spec = SCHEMA.find(s => s.section === section && s.key === key)
    if (spec === undefined || spec.default === null) return null
    return convert(spec, spec.default, { field: `[${section}] ${key}` })
  }
  const path = (v: Value | null, base: string): string | null => v === null ? null : (isAbsolute(String(v)) ? String(v) : join(base, String(v)))
  const stateDir = resolve(ov.stateDir ?? env.CORRAL_STATE_DIR ?? String(get('paths', 'state dir')))
  const runDir = resolve(ov.runDir ?? env.CORRAL_RUN_DIR ?? String(get('paths', 'run dir')))
  const eventsDir = resolve(ov.eventsDir ?? env.CORRAL_EVENTS_DIR ?? path(get('paths', 'events dir'), configDir) ?? join(configDir, D.EVENTS_DIR_NAME))
  const eventTimeouts: Partial<Record<EventName, number>> = {}
  for (const e of EVENT_NAMES) {
    const v = get('event', `${e} timeout`)
    if (v !== null) eventTimeouts[e] = v as number
  }
  const metricsAddress = get('metrics', 'address') as string | null
  const allowNonLoopback = get('metrics', 'allow non-loopback') as boolean
  let metrics: MetricsAddress | null = null
  if (metricsAddress !== null) {
    const place = { file: where, line: seen.get('metrics/address'), field: '[metrics] address' }
    const a = parseMetricsAddress(metricsAddress)
    if (typeof a === 'string') collect(new CorralError('CORRAL_E_CONFIG_VALUE', a, { place }))
    else if (a.host !== null && !allowNonLoopback && !isLoopback(a.host)) {
      collect(new CorralError('CORRAL_E_CONFIG_VALUE', `${a.host} is not a loopback address; the metrics endpoint has no authentication (set [metrics] allow non-loopback = true to serve it there)`, { place }))
    } else metrics = a
  }
  return deepFreeze({
    file,
    paths: { configDir, stateDir, runDir, eventsDir, socketPath: resolve(ov.socketPath ?? env.CORRAL_SOCKET ?? join(runDir, D.CONTROL_SOCKET_NAME)) },
    cluster: {
      nodesFile: path(get('cluster', 'nodes list'), configDir) as string,
      nodeAddress: get('cluster', 'node address') as string | null,
      port: get('cluster', 'port') as number,
      keyFile: path(get('cluster', 'cluster key'), configDir) as string,
      lock: get('cluster', 'cluster lock') as string | null,
      startAsStopped: get('cluster', 'start as stopped') as boolean,
      startAsDisabled: get('cluster', 'start as disabled') as boolean,
      eventsOnly: get('cluster', 'events only') as boolean,
    },
    failover: {
      disabled: get('failover', 'disabled') as boolean,
      publicAddresses: path(get('failover', 'public addresses'), configDir) as string,
      interfaces: get('failover', 'interfaces') as 'kernel' | 'recorded',
      statusCallback: path(get('failover', 'status callback'), configDir),
      statusCallbackTimeoutS: get('failover', 'status callback timeout') as number,
      checkIntervalS: get('failover', 'check interval') as number,
    },
    logging: { location: String(get('logging', 'location')), level: String(get('logging', 'log level')) },
    notify: { retentionS: get('notify', 'retention') as number, maxEntries: get('notify', 'max entries') as number },
    event: {
      debugScript: path(get('event', 'debug script'), configDir),
      notificationScript: path(get('event', 'notification script'), configDir),
      timeoutS: get('event', 'timeout') as number,
      eventTimeoutsS: eventTimeouts,
      scriptTimeoutsS: scriptTimeouts,
      runAll: get('event', 'run all') as boolean,
      outputCapBytes: get('event', 'output cap') as number,
      queueLimit: get('event', 'queue limit') as number,
      concurrency: get('event', 'concurrency') as number,
      historySize: get('event', 'history') as number,
    },
    metrics: { address: metrics, allowNonLoopback },
  })
}

// Turn the text of a value into its type, or say exactly why not.
function convert (spec: KeySpec, raw: string, place: { file?: string, line?: number, field?: string }): Value {
  const t = spec.type
  switch (t.kind) {
    case 'string':
    case 'path':
      if (raw === '') throw new CorralError('CORRAL_E_CONFIG_VALUE', 'value is empty', { place })
      return raw
    case 'bool': {
      const v = raw.toLowerCase()
      if (v === 'true' || v === 'yes' || v === 'on' || v === '1') return true
      if (v === 'false' || v === 'no' || v === 'off' || v === '0') return false
      throw new CorralError('CORRAL_E_CONFIG_VALUE', `expected true or false, got '${raw}'`, { place })
    }
    case 'int': {
      if (!/^[0-9]+$/.test(raw)) throw new CorralError('CORRAL_E_CONFIG_VALUE', `expected a whole number, got '${raw}'`, { place })
      const n = Number(raw)
      if (n < t.min || n > t.max) throw new CorralError('CORRAL_E_CONFIG_VALUE', `${n} is out of range ${t.min}..${t.max}`, { place })
      return n
    }
    case 'enum':
      if (!t.values.includes(raw)) throw new CorralError('CORRAL_E_CONFIG_VALUE', `expected one of ${t.values.join(', ')}, got '${raw}'`, { place })
      return raw
  }
}

function deepFreeze<T> (o: T): T {
  if (o !== null && typeof o === 'object') {
    for (const v of Object.values(o)) deepFreeze(v)
    Object.freeze(o)
  }
  return o
}
