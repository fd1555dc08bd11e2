// The one catalogue of corral's error codes. Codes are stable: never rename or reuse one.
// Each entry gives the process exit code the CLI uses for it (errno-flavoured where CTDB
// uses an errno, so scripts written against `ctdb` keep working) and a one-line summary.
// docs/errors.md lists the same codes; test/errors/catalogue.test.ts keeps the two in step.

export interface ErrorSpec {
  /** Exit status of the CLI when a command fails with this error. */
  readonly exit: number
  /** One line for docs/errors.md: what happened. */
  readonly summary: string
}

export const ERRORS = {
  // generic
  CORRAL_E_INTERNAL: { exit: 1, summary: 'An unexpected internal failure; the message says where.' },
  CORRAL_E_USAGE: { exit: 64, summary: 'A command-line argument or option is missing or invalid.' },

  // config and input files
  CORRAL_E_CONFIG_READ: { exit: 78, summary: 'The config file could not be read.' },
  CORRAL_E_CONFIG_SYNTAX: { exit: 78, summary: 'A line of the config file is not `[section]`, `key = value` or a comment.' },
  CORRAL_E_CONFIG_UNKNOWN_KEY: { exit: 78, summary: 'The config file names a section or key corral does not know.' },
  CORRAL_E_CONFIG_VALUE: { exit: 78, summary: 'A config key has a value of the wrong type or out of range.' },
  CORRAL_E_SCRIPT_OPTIONS: { exit: 78, summary: 'A script options file has a line that is not `NAME=VALUE`.' },
  CORRAL_E_SERVICE_OPTION: { exit: 78, summary: 'A service plugin option has a value the plugin cannot use (the reason names the option).' },
  CORRAL_E_NODES_FILE: { exit: 78, summary: 'The nodes file has a bad line (the message names file and line).' },
  CORRAL_E_ADDRESSES_FILE: { exit: 78, summary: 'A public_addresses file has a bad line (the message names file and line).' },

  // protocol and transport
  CORRAL_E_FRAME_TOO_LARGE: { exit: 71, summary: 'A peer announced a frame larger than the maximum frame size; the connection was closed.' },
  CORRAL_E_FRAME_MALFORMED: { exit: 71, summary: 'A frame had a bad header, unknown type or undecodable body; the connection was closed.' },
  CORRAL_E_FRAME_TRUNCATED: { exit: 71, summary: 'The connection closed in the middle of a frame.' },
  CORRAL_E_PROTOCOL_VERSION: { exit: 71, summary: 'The peer speaks a protocol version this build does not.' },
  CORRAL_E_HANDSHAKE: { exit: 71, summary: 'The peer did not complete the version handshake in time or sent something else first.' },
  CORRAL_E_AUTH: { exit: 77, summary: 'The peer failed cluster-key authentication.' },
  CORRAL_E_CONNECTION_CLOSED: { exit: 71, summary: 'The connection closed before the reply arrived.' },
  CORRAL_E_REQUEST_TIMEOUT: { exit: 110, summary: 'No reply arrived within the request timeout.' },
  CORRAL_E_UNKNOWN_REQUEST: { exit: 71, summary: 'The daemon does not handle this request type.' },
  CORRAL_E_DAEMON_NOT_RUNNING: { exit: 111, summary: 'No daemon answers on the control socket (is corrald running? is the socket path right?).' },
  CORRAL_E_DAEMON_RUNNING: { exit: 16, summary: 'Another daemon already answers on the control socket; this one refused to start.' },

  // event runner
  CORRAL_E_COMPONENT_NOT_FOUND: { exit: 2, summary: 'No directory for that component in the events directory ("Event dir for C does not exist").' },
  CORRAL_E_SCRIPT_NOT_FOUND: { exit: 6, summary: 'No script of that name in the component ("Script S does not exist in C").' },
  CORRAL_E_SCRIPT_INVALID: { exit: 22, summary: 'The name is not a valid script name `NN.name` ("Script S is invalid in C").' },
  CORRAL_E_EVENT_INVALID: { exit: 22, summary: 'Unknown event name, or the wrong number of arguments for the event.' },
  CORRAL_E_EVENT_NEVER_RAN: { exit: 61, summary: 'The event has never run in that component ("Event E has never run in C").' },
  CORRAL_E_EVENT_FAILED: { exit: 8, summary: 'A script or plugin of the event failed ("Event E in C failed").' },
  CORRAL_E_EVENT_TIMEDOUT: { exit: 110, summary: 'The event did not finish before its deadline ("Event E in C timed out").' },
  CORRAL_E_EVENT_CANCELLED: { exit: 125, summary: 'A monitor event was cancelled by another event or rejected while one ran ("Event monitor in C got cancelled").' },
  CORRAL_E_QUEUE_FULL: { exit: 16, summary: 'The component\'s event queue is full; the request was rejected, not queued.' },
  CORRAL_E_PLUGIN_LOAD: { exit: 8, summary: 'A plugin module could not be loaded or does not export a plugin made with definePlugin().' },
  CORRAL_E_PLUGIN_HOST: { exit: 8, summary: 'The plugin host process died or could not start.' },
  CORRAL_E_PLUGIN_RESULT: { exit: 8, summary: 'A plugin returned a value that is not a valid result.' },

  // cluster
  CORRAL_E_NODE_UNKNOWN: { exit: 22, summary: 'The PNN is not in the nodes file.' },
  CORRAL_E_NODE_UNREACHABLE: { exit: 113, summary: 'The node named with -n is not connected.' },
  CORRAL_E_NOT_LEADER: { exit: 11, summary: 'The request needs the leader and this node is not it.' },
  CORRAL_E_STALE_GENERATION: { exit: 116, summary: 'The request carries an old generation and was refused.' },
  CORRAL_E_IP_CONFLICT: { exit: 17, summary: 'An address is on this node\'s interface while this node believes another node holds it; it was not taken twice.' },
  CORRAL_E_IP_NO_INTERFACE: { exit: 100, summary: 'None of the address\'s interfaces has its link up.' },
  CORRAL_E_IP_BUSY: { exit: 16, summary: 'The address is already being taken or released on that node.' },
  CORRAL_E_IP_NOT_APPLIED: { exit: 5, summary: 'takeip/releaseip finished but the interface does not show the change (no interface plugin enabled?).' },
  CORRAL_E_TAKEOVER_FAILED: { exit: 5, summary: 'A takeover run failed on some node; the leader retries it and the culprit collects ban credits.' },
  CORRAL_E_STATUS_CALLBACK: { exit: 5, summary: 'The failover status callback failed, timed out or printed bad JSON; the takeover run went on without it.' },
  CORRAL_E_WATCH_BEHIND: { exit: 75, summary: 'A `corral watch` client read notifications too slowly; the daemon ended its stream rather than buffer without bound (resume with --since).' },
  CORRAL_E_LOCK_HELPER: { exit: 1, summary: 'The cluster lock helper failed or printed something other than 0/1/2/3.' },
  CORRAL_E_CONFIG_DRIFT: { exit: 78, summary: '`corral config validate --cluster`: live nodes differ in their nodes file, tunables or a setting that must match cluster-wide.' },

  // decision records (engine/decisions/)
  CORRAL_E_DECISION_RECORD: { exit: 65, summary: 'A decision-records file has a line that is not a valid record (the message names file and line).' },
  CORRAL_E_REPLAY_MISMATCH: { exit: 1, summary: '`corral ip plan --replay`: the recomputed plan differs from the recorded one (the message lists the addresses).' },

  // public addresses
  CORRAL_E_IP_UNKNOWN: { exit: 1, summary: 'No node knows that public address.' },
  CORRAL_E_IP_CANNOT_HOST: { exit: 1, summary: 'The target node cannot host that public address.' },
  CORRAL_E_TICKLE_HELPER: { exit: 1, summary: 'The tickle ACK helper (libexec/corral-tickle, Python 3) is missing, could not run, or failed to send.' },
  CORRAL_E_TICKLE_PERMISSION: { exit: 1, summary: 'Sending tickle ACKs needs root or CAP_NET_RAW (a raw socket); none were sent.' },

  // node-local databases (engine/database/)
  CORRAL_E_DB_RECOVERING: { exit: 11, summary: 'The node is in recovery (or has not finished its first one); the request can be tried again shortly.' },
  CORRAL_E_DB_COMMIT: { exit: 5, summary: 'A persistent transaction could not be committed on every active node; a recovery settles whether it is kept.' },
  CORRAL_E_RECOVERY_FAILED: { exit: 5, summary: 'A database recovery failed; the leader retries and the culprit node collects ban credits.' },
  CORRAL_E_DB_UNKNOWN: { exit: 2, summary: 'No database with that id or name is attached on this node.' },
  CORRAL_E_DB_KIND: { exit: 22, summary: 'The database is attached with another kind (volatile, persistent, replicated), or the operation needs another kind.' },
  CORRAL_E_DB_PERSISTENT: { exit: 1, summary: 'A persistent database cannot be detached ("Persistent database NAME cannot be detached").' },
  CORRAL_E_DB_KEY_TOO_LARGE: { exit: 7, summary: 'A record key is longer than the key size limit; nothing was written.' },
  CORRAL_E_DB_VALUE_TOO_LARGE: { exit: 7, summary: 'A record value is longer than the value size limit; nothing was written.' },
  CORRAL_E_DB_BACKUP_CORRUPT: { exit: 22, summary: 'A database backup file has a bad magic or version, or is truncated or malformed (the message names file and byte offset).' },
  CORRAL_E_DB_STORE_BUSY: { exit: 16, summary: 'The database directory is already open in this process.' },
} as const satisfies Record<string, ErrorSpec>

export type ErrorCode = keyof typeof ERRORS
