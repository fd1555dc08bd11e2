// Tickle ACK defaults: one place, named. The push period is the tunable TickleUpdateInterval (CTDB: 20 s).
import { GARP_COUNT, GARP_INTERVAL_MS } from '../config/defaults.js'

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
