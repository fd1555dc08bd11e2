// How every process opens a node's LMDB environment: the daemon, its writer thread, clients,
// tools. LMDB forbids mixing processes with and without a writable memory map on one environment.
// With it, a commit writes no pages through write(): a client's local store costs ~5.6 µs instead
// of ~11.8 µs (measured alone, noSync), and bulk writes are ~10% cheaper. LMDB cannot nest
// transactions then, so the store uses none.

/** lmdb's open() options every opener of a node's environment passes. */
export const LMDB_ENV_OPTIONS = { useWritemap: true } as const
