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

  { section: 'cluster', key: 'nodes list', type: { kind: 'path' }, default: D.NODES_FILE_NAME, description: 'The nodes file (one address per line, CTDB format). Relative names are under the config dir.' },
  { section: 'cluster', key: 'node address', type: { kind: 'string' }, default: null, description: 'This node\'s address in the nodes file. Default: the first address of the file this host can bind.' },
  { section: 'cluster', key: 'port', type: INT(1, 65_535), default: String(D.DEFAULT_NODE_PORT), description: 'TCP port of the node links on every node address.' },
  { section: 'cluster', key: 'cluster key', type: { kind: 'path' }, default: D.CLUSTER_KEY_FILE_NAME, description: 'File with the shared secret every node must hold (created by `corral local start`, or `head -c 32 /dev/urandom > FILE`). Relative names are under the config dir.' },
  { section: 'cluster', key: 'cluster lock', type: { kind: 'string' }, default: null, description: 'The cluster lock: a file path (built-in file lock), `!COMMAND ARGS` (any CTDB mutex helper) or `etcd://HOST:PORT/KEY` (see docs/cluster-lock.md). Unset: no lock, split brain is possible.' },
  { section: 'cluster', key: 'start as stopped', type: { kind: 'bool' }, default: 'false', description: 'Start with the STOPPED flag (CTDB [legacy] start as stopped).' },
  { section: 'cluster', key: 'start as disabled', type: { kind: 'bool' }, default: 'false', description: 'Start with the DISABLED flag (CTDB [legacy] start as disabled).' },
  { section: 'cluster', key: 'events only', type: { kind: 'bool' }, default: 'false', description: 'Run only the event runner and the control socket, no cluster (same as corrald --events-only).' },

  { section: 'failover', key: 'disabled', type: { kind: 'bool' }, default: 'false', description: 'No address movement at all: takeover runs only run ipreallocated (CTDB [failover] disabled).' },
  { section: 'failover', key: 'public addresses', type: { kind: 'path' }, default: D.PUBLIC_ADDRESSES_FILE_NAME, description: 'This node\'s public addresses, CTDB format `IP/MASKBITS IFACE[,IFACE]`. Missing file: the node hosts none. Relative names are under the config dir.' },
  { section: 'failover', key: 'interfaces', type: { kind: 'enum', values: ['kernel', 'recorded'] }, default: 'kernel', description: '`kernel`: addresses are checked on the real interfaces (`ip addr`), and the interface plugin adds and removes them. `recorded`: takes and releases are recorded in the node\'s state instead (a one-host test cluster, as `corral local start`).' },
  { section: 'failover', key: 'status callback', type: { kind: 'path' }, default: null, description: 'A program the leader runs before each takeover run; it may print JSON `{"exclude":[PNN,...]}` to keep nodes from hosting addresses (see docs/ip.md). Relative names are under the config dir.' },
  { section: 'failover', key: 'status callback timeout', type: INT(1, 300), default: String(D.STATUS_CALLBACK_TIMEOUT_S), description: 'Seconds the status callback may take; after that it is killed and the run goes on without it.' },
  { section: 'failover', key: 'check interval', type: INT(1, 3600), default: String(D.IP_CHECK_INTERVAL_S), description: 'Seconds between a node\'s checks that the addresses it should host are on its interfaces and no others are.' },
  { section: 'notify', key: 'retention', type: INT(1, 7 * 86_400), default: String(D.NOTIFY_RETENTION_S), description: 'Seconds the notification log keeps an entry for `corral watch --since`.' },
  { section: 'notify', key: 'max entries', type: INT(1, 1_000_000), default: String(D.NOTIFY_MAX_ENTRIES), description: 'Most entries the notification log keeps; the oldest go first.' },
  { section: 'logging', key: 'location', type: { kind: 'string' }, default: 'stderr', description: 'stderr, file:PATH, syslog:udp[:HOST:PORT] or syslog:udp-rfc5424[:HOST:PORT] (see docs/logging.md).' },
  { section: 'logging', key: 'log level', type: { kind: 'string' }, default: D.DEFAULT_LOG_LEVEL, description: 'ERROR, WARNING, NOTICE, INFO or DEBUG (or 0-10, as CTDB).' },

  { section: 'event', key: 'debug script', type: { kind: 'path' }, default: null, description: 'Run as `SCRIPT PID EVENT` when a script hangs, before it is killed. Relative names are under the config dir.' },
  { section: 'event', key: 'notification script', type: { kind: 'path' }, default: null, description: 'Run as `SCRIPT STATE` (init, setup, startup, healthy, unhealthy), one at a time and in order, as CTDB\'s notify.sh; killed after 10 s; failures are only logged (see docs/notifications.md). Relative names are under the config dir.' },
  { section: 'event', key: 'timeout', type: INT(1, 86_400), default: String(D.EVENT_SCRIPT_TIMEOUT_S), description: 'Seconds allowed for a whole event run when the request gives none (CTDB EventScriptTimeout).' },
  ...EVENT_NAMES.map((e): KeySpec => ({ section: 'event', key: `${e} timeout`, type: INT(1, 86_400), default: null, description: `Seconds allowed for the ${e} event; overrides [event] timeout.` })),
  { section: 'event', key: 'run all', type: { kind: 'bool' }, default: 'false', description: 'Keep running the remaining scripts after one fails (the result is still a failure).' },
  { section: 'event', key: 'output cap', type: INT(1024, 16 * 1024 * 1024), default: String(D.SCRIPT_OUTPUT_CAP_BYTES), description: 'Bytes of output kept per script run.' },
  { section: 'event', key: 'queue limit', type: INT(1, 100_000), default: String(D.EVENT_QUEUE_LIMIT), description: 'Events waiting per component before new requests are rejected.' },
  { section: 'event', key: 'concurrency', type: INT(1, 1024), default: String(D.EVENT_CONCURRENCY), description: 'Event runs executing at once across all components.' },
  { section: 'event', key: 'history', type: INT(1, 1000), default: String(D.EVENT_HISTORY_SIZE), description: 'Past runs kept per component and event.' },

  { section: 'metrics', key: 'address', type: { kind: 'string' }, default: null, description: 'Serve Prometheus metrics (`GET /metrics`) on HOST:PORT, [IPV6]:PORT, or node:PORT (this node\'s cluster address). Unset: no metrics endpoint. Must be a loopback address unless [metrics] allow non-loopback is set (see docs/metrics.md).' },
  { section: 'metrics', key: 'allow non-loopback', type: { kind: 'bool' }, default: 'false', description: 'Allow [metrics] address to be a non-loopback address (the endpoint has no authentication).' },
]

/** Sections whose keys are free-form `component/NN.name = seconds` (per-script timeouts). */
export const SCRIPT_TIMEOUTS_SECTION = 'script timeouts'
