// The records the database-recovery benchmark recovers, the same for corral and for CTDB: N records
// over DBS databases, ~16-byte keys, 100-byte values. Persistent: one node holds all of them, with
// a higher sequence number. Volatile: key i of a database lives on node i % 3 (RSN 5); one key in
// ten also has an older or newer copy on the next node (RSN 4 or 6), so the merge has work to do.

export const DBS = 4
export const VALUE_BYTES = 100
export const NODES = 3

/** The database names of one kind. */
export const dbNames = (kind: 'persistent' | 'volatile'): string[] =>
  Array.from({ length: DBS }, (_, d) => `bench-${kind === 'persistent' ? 'p' : 'v'}-${d}.tdb`)

/** 16 bytes: `d<db>k<13 digits>`; keys of one database sort in index order. */
export function keyOf (db: number, i: number): Buffer {
  return Buffer.from(`d${db}k${String(i).padStart(13, '0')}`, 'latin1')
}

/** A 100-byte value whose first byte tells which copy it is (the run and the holder). */
export function valueOf (tag: number): Buffer {
  return Buffer.alloc(VALUE_BYTES, 0x41 + (tag % 26))
}

/** Records per database for N records in all. */
export const perDb = (n: number): number => Math.ceil(n / DBS)

export interface VolatileCopy { i: number, rsn: bigint, tag: number }

// Why: one rule for which node holds which copy, so the expected merge result is known.
export function * volatileCopies (pnn: number, count: number, run: number): Generator<VolatileCopy> {
  for (let i = 0; i < count; i++) {
    if (i % NODES === pnn) yield { i, rsn: 5n, tag: run * 7 + pnn }
    else if ((i % NODES + 1) % NODES === pnn && i % 10 === 0) yield { i, rsn: i % 20 === 0 ? 6n : 4n, tag: run * 7 + 3 + pnn }
  }
}

/** The copy the merge must keep for key i: its RSN and the first byte of its data. */
export function volatileWinner (i: number, run: number): { rsn: bigint, first: number } {
  const holder = i % NODES
  if (i % 20 === 0) return { rsn: 6n, first: 0x41 + ((run * 7 + 3 + (holder + 1) % NODES) % 26) }
  return { rsn: 5n, first: 0x41 + ((run * 7 + holder) % 26) }
}
