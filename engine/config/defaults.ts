// Every default value corral uses, in one place, as named constants.
// Config keys (engine/config/schema.ts) and tunables take their defaults from here;
// code elsewhere imports these names instead of writing numbers inline.

// ---- paths (FHS; all overridable by config, CLI flags or CORRAL_* environment variables)
/** @default '/etc/corral' */
export const DEFAULT_CONFIG_DIR = '/etc/corral'
/** @default '/var/lib/corral' */
export const DEFAULT_STATE_DIR = '/var/lib/corral'
/** @default '/run/corral' */
export const DEFAULT_RUN_DIR = '/run/corral'
/** Config file name inside the config dir. */
export const CONFIG_FILE_NAME = 'corral.conf'
/** Events dir name inside the config dir (one subdirectory per component). */
export const EVENTS_DIR_NAME = 'events.d'
/** Control socket file name inside the run dir. */
export const CONTROL_SOCKET_NAME = 'corrald.sock'
/** Global script options file name inside the config dir (CTDB's script.options). */
export const SCRIPT_OPTIONS_FILE_NAME = 'script.options'

// ---- protocol
/** Wire protocol version announced in the handshake. */
export const PROTOCOL_VERSION = 1
/** Largest frame accepted or sent, in bytes (header included). @default 16 MiB */
export const MAX_FRAME_BYTES = 16 * 1024 * 1024
/** Time allowed for the peer's handshake frame. @default 5000 ms */
export const HANDSHAKE_TIMEOUT_MS = 5_000
/** Default time a CLI request waits for its reply (CTDB's -t). @default 10 s, in ms */
export const REQUEST_TIMEOUT_MS = 10_000

// ---- event runner
/** Deadline for a whole event run when none is given (CTDB EventScriptTimeout). @default 30 s */
export const EVENT_SCRIPT_TIMEOUT_S = 30
/** Grace between SIGTERM and SIGKILL of a timed-out process group. @default 1000 ms */
export const KILL_GRACE_MS = 1_000
/** How often a plugin host checks that its daemon still exists (kills itself when orphaned). @default 1000 ms */
export const PLUGIN_HOST_WATCHDOG_MS = 1_000
/** Time a debug-hung-script may run before it is killed too. @default 10 s */
export const DEBUG_SCRIPT_TIMEOUT_MS = 10_000
/** Captured output kept per script run (stdout+stderr). @default 64 KiB */
export const SCRIPT_OUTPUT_CAP_BYTES = 64 * 1024
/** Events waiting per component before new requests are rejected. @default 64 */
export const EVENT_QUEUE_LIMIT = 64
/** Event runs executing at once across all components. @default 8 */
export const EVENT_CONCURRENCY = 8
/** Runs kept in the history per (component, event). @default 10 */
export const EVENT_HISTORY_SIZE = 10
/** Component that the daemon's own lifecycle events go to (CTDB's only component). */
export const LEGACY_COMPONENT = 'legacy'

// ---- logging
/** CTDB's level names and numbers. @default NOTICE */
export const DEFAULT_LOG_LEVEL = 'NOTICE'
/** Messages buffered per sink before new ones are dropped (and counted). @default 1000 */
export const LOG_SINK_BUFFER_MESSAGES = 1_000
/** Syslog target when `[logging] location = syslog:...` names no address. */
export const DEFAULT_SYSLOG_ADDRESS = '127.0.0.1:514'
/** Longest syslog datagram; longer messages are truncated (CTDB uses 1024). */
export const SYSLOG_MAX_MESSAGE_BYTES = 1024
/** Bytes a file or stderr log sink buffers before new messages are dropped (and counted). @default 4 MiB */
export const LOG_STREAM_BUFFER_BYTES = 4 * 1024 * 1024
/** How long `flushAndClose()` waits for a log sink to drain before giving up. @default 2000 */
export const LOG_CLOSE_TIMEOUT_MS = 2_000

// ---- cluster membership (engine/cluster/)
/** TCP port of node-to-node links. The nodes file carries no port (CTDB's format), so every node
 * listens on its own address and this port; local clusters use 127.0.0.1, .2, .3 with one port.
 * Not CTDB's 4379, so corral and ctdbd can run side by side on one host. @default 4380 */
export const DEFAULT_NODE_PORT = 4380
/** Nodes file name inside the config dir (CTDB's `nodes`). */
export const NODES_FILE_NAME = 'nodes'
/** Tunables file name inside the config dir (CTDB's `ctdb.tunables`). */
export const TUNABLES_FILE_NAME = 'corral.tunables'
/** Heartbeat period of the failure detector (tunable HeartbeatIntervalMs). @default 250 ms */
export const HEARTBEAT_INTERVAL_MS = 250
/** Silent heartbeat intervals before a peer is suspected (tunable HeartbeatLimit). @default 8 */
export const HEARTBEAT_LIMIT = 8
/** Passing monitors in a row before UNHEALTHY is cleared (tunable MonitorRise). @default 2 */
export const MONITOR_RISE = 2
/** Failing monitors in a row before UNHEALTHY is set (tunable MonitorFall). @default 1 */
export const MONITOR_FALL = 1
/** Timed-out monitors in a row that count as one failure (tunable MonitorTimeoutCount; CTDB: 20). @default 3 */
export const MONITOR_TIMEOUT_COUNT = 3

// ---- cluster lock (engine/cluster/lock/)
/** Time a lock take may wait for the helper's answer (CTDB's election take: 120 s). @default 120 s, in ms */
export const CLUSTER_LOCK_TAKE_TIMEOUT_MS = 120_000
/** How often the file lock helper checks the lock file still has the locked inode (CTDB: 5 s). @default 5 s */
export const CLUSTER_LOCK_RECHECK_INTERVAL_S = 5
/** How often a lock helper checks that its parent is alive (CTDB: 5 s; ours is cheap). @default 100 ms */
export const CLUSTER_LOCK_PARENT_POLL_MS = 100
/** Lease TTL of the etcd lock helper (CTDB's ctdb_etcd_lock: 9 s). @default 5 s */
export const CLUSTER_LOCK_ETCD_TTL_S = 5
/** The etcd helper gives up this long before the server could expire an unrenewed lease. @default 1000 ms */
export const CLUSTER_LOCK_ETCD_SAFETY_MS = 1_000
/** Key of the etcd lock when the etcd: URL names none. */
export const CLUSTER_LOCK_ETCD_KEY = 'corral/cluster-lock'
/** Lock takes slower than this are logged (tunable RecLockLatencyMs). @default 1000 ms */
export const CLUSTER_LOCK_LATENCY_WARN_MS = 1_000
/** Helper stderr kept as the reason of a failed take or a lost lock. @default 4 KiB */
export const CLUSTER_LOCK_STDERR_CAP_BYTES = 4 * 1024

// ---- cluster daemon (engine/cluster/node/)
/** Cluster key file name inside the config dir. */
export const CLUSTER_KEY_FILE_NAME = 'cluster.key'
/** Shortest accepted cluster key, in bytes. */
export const CLUSTER_KEY_MIN_BYTES = 16
/** Delay before re-dialling a peer whose link failed. @default 200 ms */
export const RECONNECT_DELAY_MS = 200
/** How often a node without a leader tries the cluster lock. @default 250 ms */
export const LEADER_CHECK_INTERVAL_MS = 250
/** Time allowed for one phase of a recovery on every node. @default 30 s */
export const RECOVERY_PHASE_TIMEOUT_MS = 30_000
/** First monitor after startup (CTDB: 2 s). @default 1000 ms */
export const FIRST_MONITOR_DELAY_MS = 1_000
/** How long a request forwarded to another node (`corral -n`) may take. @default 10 min */
export const FORWARD_TIMEOUT_MS = 600_000

// ---- public addresses (engine/ip/)
/** Public addresses file name inside the config dir (CTDB's `public_addresses`). */
export const PUBLIC_ADDRESSES_FILE_NAME = 'public_addresses'
/** Time the leader's status callback may take before it is killed. @default 5 s */
export const STATUS_CALLBACK_TIMEOUT_S = 5
/** Seconds between a node's address consistency checks. @default 5 s */
export const IP_CHECK_INTERVAL_S = 5
/** Gratuitous ARPs (IPv4) / unsolicited NAs (IPv6) sent after a take, as CTDB. @default 3 */
export const GARP_COUNT = 3
/** Gap between gratuitous ARPs. @default 1100 ms (CTDB) */
export const GARP_INTERVAL_MS = 1_100
/** File of the recorded-interfaces mode inside the state dir. */
export const RECORDED_ADDRESSES_FILE_NAME = 'recorded-addresses.json'
/** File of the cluster-wide "nodes that may host" setting inside the state dir. */
export const IP_SETTINGS_FILE_NAME = 'ip-settings.json'
/** How long a takeover-run request waits for the leader. @default 60 s */
export const TAKEOVER_REQUEST_TIMEOUT_MS = 60_000
/** Delay before a failed takeover run is retried. @default 1000 ms */
export const TAKEOVER_RETRY_MS = 1_000

// ---- node-local databases (engine/database/)
/** Directory of the node-local database store (one LMDB environment) inside the state dir. */
export const DATABASE_DIR_NAME = 'databases'
/** Longest record key accepted by put and transactions, in bytes. @default 1024 */
export const DB_MAX_KEY_BYTES = 1024
/** Longest record value (data, without the 24-byte header) accepted, in bytes. @default 1 MiB */
export const DB_MAX_VALUE_BYTES = 1024 * 1024
/** LMDB named sub-dbs open at once: one per attached database, one more per pushed database, 1 internal. @default 1024 */
export const DB_MAX_DATABASES = 1024
/** Records per traverse batch when the caller gives no size. @default 1000 */
export const DB_TRAVERSE_BATCH_RECORDS = 1_000
/** A traverse batch also ends once its keys and values reach this many bytes. @default 4 MiB */
export const DB_TRAVERSE_BATCH_BYTES = 4 * 1024 * 1024
/** Records per packed batch in recovery pulls and pushes. @default 1000 */
export const DB_BATCH_RECORDS = 1_000
/**
 * Batches per chunk of a recovery pull over a node link: each chunk is its own request, so a pulled
 * stream never holds STREAM_HIGH_WATER_MESSAGES (256) unread batches, which would pause reading the
 * whole link (push replies and the other databases' streams) and could deadlock the recovery.
 * @default 16
 */
export const DB_PULL_CHUNK_BATCHES = 16
/** Bytes of recovery pushes a store stages in memory at once; a push beyond it is staged in a file beside LMDB's. @default 64 MiB */
export const DB_STAGE_MEMORY_BYTES = 64 * 1024 * 1024
/** Nice value of a store's bulk writer thread (recovery pushes, restores, digests): below the daemon's own thread. */
export const DB_WRITER_NICE = 10
/** Attempts per database within one recovery before it fails (CTDB: 3). @default 3 */
export const DB_RECOVERY_ATTEMPTS = 3
/** Time a volatile record migration may take. @default 10 s */
export const DB_MIGRATE_TIMEOUT_MS = 10_000
/** Time a persistent transaction's commit on every node may take. @default 30 s */
export const DB_COMMIT_TIMEOUT_MS = 30_000

// ---- notifications (engine/notify/)
/** How long the notification log keeps an entry (`[notify] retention`). @default 1 hour */
export const NOTIFY_RETENTION_S = 3_600
/** Most entries the notification log keeps (`[notify] max entries`). @default 10,000 */
export const NOTIFY_MAX_ENTRIES = 10_000
/** Entries queued for one `corral watch` client before the daemon ends its stream (CORRAL_E_WATCH_BEHIND). @default 1,000 */
export const NOTIFY_WATCHER_BUFFER = 1_000
/** Time the `[event] notification script` may take for one state before it is killed. @default 10 s */
export const NOTIFICATION_SCRIPT_TIMEOUT_MS = 10_000
/** Notification script states waiting to run before the oldest is dropped (and logged). @default 100 */
export const NOTIFICATION_SCRIPT_QUEUE = 100

// ---- decision records (engine/decisions/)
/** Append-only JSON-lines file of the leader's decisions inside the state dir. */
export const DECISIONS_FILE_NAME = 'decisions.jsonl'
/** The decisions file is rotated to `<name>.1` (one old file kept) once it reaches this size. @default 4 MiB */
export const DECISIONS_FILE_MAX_BYTES = 4 * 1024 * 1024

// ---- services (engine/services/, plugins/services/): the built-in plugins take these as their options' defaults (through corral/services); docs/services.md lists them
/** Time a service may take to become ready after its start command (option READY_TIMEOUT). @default 30 s */
export const SERVICE_READY_TIMEOUT_S = 30
/** Time a service may take to stop after its stop command (option STOP_TIMEOUT). @default 30 s */
export const SERVICE_STOP_TIMEOUT_S = 30
/** How long one TCP connect may take before the port counts as not accepting (option CONNECT_TIMEOUT). @default 1000 ms */
export const PORT_PROBE_TIMEOUT_MS = 1000
/** Pause between two readiness checks while waiting for a service. @default 100 ms */
export const READY_POLL_MS = 100
/** The most readiness checks one wait makes, whatever the deadline (every loop is bounded). @default 100000 */
export const READY_MAX_CHECKS = 100_000
/** Address the port checks connect to when none is configured (option HOST). @default 127.0.0.1 */
export const SERVICE_HOST = '127.0.0.1'
/** Samba's ports (CTDB_SAMBA_CHECK_PORTS). @default 445,139 */
export const SAMBA_PORTS = '445,139'
/** RPC services an NFS server must have registered (CTDB's 60.nfs checks). */
export const NFS_RPC_SERVICES = 'portmapper,nfs,mountd,nlockmgr,status'

// ---- tickle ACKs (engine/tickle/); the push period is the tunable TickleUpdateInterval (CTDB: 20 s)
/** Rounds of tickle ACKs after a take, sent with each gratuitous ARP (CTDB_ARP_REPEAT). @default 3 */
export const TICKLE_ROUNDS = GARP_COUNT
/** Gap between rounds (CTDB_ARP_INTERVAL 1 s plus 100 ms). @default 1100 ms */
export const TICKLE_ROUND_INTERVAL_MS = GARP_INTERVAL_MS
/** The helper that sends the packets, relative to the package root (Python 3, standard library only). */
export const TICKLE_HELPER_PATH = 'libexec/corral-tickle'
/** The interpreter the helper runs with (the helper is not run through its #! line, so the file mode does not matter). */
export const TICKLE_PYTHON = 'python3'
/** Time one helper run (one round for one address) may take before it is killed. @default 5000 ms */
export const TICKLE_HELPER_TIMEOUT_MS = 5_000
/** Time one `ss` poll may take. @default 5000 ms */
export const SS_TIMEOUT_MS = 5_000
/** Connections kept per public address; more are dropped (and counted in the log) so a flood cannot grow the list without bound. @default 20000 */
export const MAX_CONNECTIONS_PER_ADDRESS = 20_000
/** Time a push of one address's list to one peer may take. @default 5000 ms */
export const TICKLE_PUSH_TIMEOUT_MS = 5_000
