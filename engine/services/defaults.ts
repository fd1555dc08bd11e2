// Defaults of the service helpers and the built-in service plugins, as named constants in one place.
// The plugins repeat them as option defaults (strings); docs/services.md lists both.

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
