// The schema of corral.conf: every section and key, its type, default and meaning.
// docs/config.md is written from this table; defaults come from defaults.ts.

import * as D from './defaults.js'
import { EVENT_NAMES } from '../events/types.js'

export type KeyType =
  | { kind: 'string' }
  | { kind: 'path' }
  | { kind: 'bool' }
  | { kind: 'int', min: number, max: number }
  | { kind: 'enum', values: readonly string[] }

export interface KeySpec {
  section: string
  key: string
  type: KeyType
  /** Default as text, as it would be written in the file; null = unset. */
  default: string | null
  description: string
}

const INT = (min: number, max: number): KeyType => ({ kind: 'int', min, max })

export const SCHEMA: readonly KeySpec[] = [
  { section: 'paths', key: 'state dir', type: { kind: 'path' }, default: D.DEFAULT_STATE_DIR, description: 'Where the node keeps its databases and state.' },
  { section: 'paths', key: 'run dir', type: { kind: 'path' }, default: D.DEFAULT_RUN_DIR, description: 'Where the control socket and pid file live.' },
  { section: 'paths', key: 'events dir', type: { kind: 'path' }, default: null, description: `Event components (one subdirectory each). Default: <config dir>/${D.EVENTS_DIR_NAME}.` },

  { section: 'logging', key: 'location', type: { kind: 'string' }, default: 'stderr', description: 'stderr, file:PATH, syslog:udp[:HOST:PORT] or syslog:udp-rfc5424[:HOST:PORT] (see docs/logging.md).' },
  { section: 'logging', key: 'log level', type: { kind: 'string' }, default: D.DEFAULT_LOG_LEVEL, description: 'ERROR, WARNING, NOTICE, INFO or DEBUG (or 0-10, as CTDB).' },

  { section: 'event', key: 'debug script', type: { kind: 'path' }, default: null, description: 'Run as `SCRIPT PID EVENT` when a script hangs, before it is killed. Relative names are under the config dir.' },
  { section: 'event', key: 'timeout', type: INT(1, 86_400), default: String(D.EVENT_SCRIPT_TIMEOUT_S), description: 'Seconds allowed for a whole event run when the request gives none (CTDB EventScriptTimeout).' },
  ...EVENT_NAMES.map((e): KeySpec => ({ section: 'event', key: `${e} timeout`, type: INT(1, 86_400), default: null, description: `Seconds allowed for the ${e} event; overrides [event] timeout.` })),
  { section: 'event', key: 'run all', type: { kind: 'bool' }, default: 'false', description: 'Keep running the remaining scripts after one fails (the result is still a failure).' },
  { section: 'event', key: 'output cap', type: INT(1024, 16 * 1024 * 1024), default: String(D.SCRIPT_OUTPUT_CAP_BYTES), description: 'Bytes of output kept per script run.' },
  { section: 'event', key: 'queue limit', type: INT(1, 100_000), default: String(D.EVENT_QUEUE_LIMIT), description: 'Events waiting per component before new requests are rejected.' },
  { section: 'event', key: 'concurrency', type: INT(1, 1024), default: String(D.EVENT_CONCURRENCY), description: 'Event runs executing at once across all components.' },
  { section: 'event', key: 'history', type: INT(1, 1000), default: String(D.EVENT_HISTORY_SIZE), description: 'Past runs kept per component and event.' },
]

/** Sections whose keys are free-form `component/NN.name = seconds` (per-script timeouts). */
export const SCRIPT_TIMEOUTS_SECTION = 'script timeouts'
