// The leader's database recovery (ctdb-semantics §2.4), every database in parallel: collect the
// union of databases, then per database pull, merge and push, streamed in batches. Volatile: the
// nodes' copies are merged in one pass as sorted streams (LMDB keeps keys in order), so memory stays
// at a few batches whatever the size; persistent and replicated: the copy with the highest
// sequence number is streamed to every other node. Transport-free: the caller supplies the calls.
import { CorralError } from '../errors/index.js'
import { dropEmptyRecords, HEADER_BYTES, indexPacked, readHeader, type DbInfo, type PackedBatch, type RecordHeader } from '../database/index.js'
import { incomingWins, RECORD_FLAG_MIGRATED_WITH_DATA } from './merge.js'

export interface RecoveryDeps {
  leader: number
  generation: number
  /** Active nodes, in PNN order (the leader among them). */
  nodes: number[]
  /** Databases a node has attached, with record counts and sequence numbers. */
  listDbs (pnn: number): Promise<Array<DbInfo & { seqnum: bigint }>>
  /** A node's records of one database, in key order, in packed batches. */
  pull (pnn: number, dbId: number): AsyncIterable<PackedBatch>
  /** Replace a node's content of `db` with these batches (the last call has last = true). */
  pushBatch (pnn: number, db: DbInfo, batch: PackedBatch, last: boolean, seqnum: bigint, total: number): Promise<void>
  /**
   * A digest of a node's copy of a persistent/replicated database (hex or any comparable string).
   * When given, a node whose sequence number and digest equal the source's is not pushed to.
   */
  digest?: (pnn: number, dbId: number) => Promise<string>
  batchRecords: number
  /** Attempts per database before the recovery fails (CTDB: 3). */
  attempts: number
  /** Called as databases finish and batches go out, for `corral status`. */
  onProgress?: (p: RecoveryProgress) => void
}

export interface RecoveryProgress { dbsDone: number, dbsTotal: number, records: number }

/** One database's recovery: records pushed, and the nodes that already held the source's copy. */
export interface DbRecoveryResult { db: DbInfo, records: number, ms: number, source: number | null, identical: number[] }

/** A recovery that failed: which nodes were to blame how often. */
export class RecoveryError extends CorralError {
  constructor (message: string, readonly failures: Map<number, number>) {
    super('CORRAL_E_RECOVERY_FAILED', message)
  }
}

// Why: one entry point the cluster member calls between the start and end phases.
export async function recoverDatabases (d: RecoveryDeps): Promise<DbRecoveryResult[]> {
  const failures = new Map<number, number>()
  const blame = (pnn: number): void => { failures.set(pnn, (failures.get(pnn) ?? 0) + 1) }
  const maps = new Map<number, Array<DbInfo & { seqnum: bigint }>>()
  await Promise.all(d.nodes.map(async p => {
    try {
      maps.set(p, await d.listDbs(p))
    } catch (err) {
      blame(p)
      throw new RecoveryError(`node ${p} did not list its databases: ${(err as Error).message}`, failures)
    }
  }))
  // The union of databases; one id with two kinds is an error (CTDB: flag mismatch).
  const union = new Map<number, { db: DbInfo, seqnums: Map<number, bigint> }>()
  for (const p of d.nodes) {
    for (const db of maps.get(p)!) {
      const u = union.get(db.id)
      if (u === undefined) union.set(db.id, { db, seqnums: new Map([[p, db.seqnum]]) })
      else if (u.db.kind !== db.kind) throw new RecoveryError(`database ${db.name} (0x${db.id.toString(16)}) is ${u.db.kind} on one node and ${db.kind} on node ${p}`, failures)
      else u.seqnums.set(p, db.seqnum)
    }
  }
  const progress: RecoveryProgress = { dbsDone: 0, dbsTotal: union.size, records: 0 }
  const report = (): void => { d.onProgress?.({ ...progress }) }
  report()
  // Each batch counts once, however many nodes it goes to.
  const seen = new WeakSet<PackedBatch>()
  const counted: RecoveryDeps = {
    ...d,
    pushBatch: async (p, db, batch, last, seqnum, total) => {
      await d.pushBatch(p, db, batch, last, seqnum, total)
      if (!seen.has(batch)) { seen.add(batch); progress.records += batch.count; report() }
    },
  }
  const results = await Promise.allSettled([...union.values()].map(async u => {
    let last: unknown
    for (let attempt = 1; attempt <= d.attempts; attempt++) {
      try {
        const r = await recoverOne(counted, u.db, u.seqnums)
        progress.dbsDone++
        report()
        return r
      } catch (err) {
        last = err
      }
    }
    // One credit per database that failed all its attempts, to the node that failed it last.
    const pnn = (last as Culprit).pnn
    if (pnn !== undefined) blame(pnn)
    throw last
  }))
  const failed = results.filter(r => r.status === 'rejected') as PromiseRejectedResult[]
  if (failed.length > 0) throw new RecoveryError(`${failed.length} database(s) failed to recover: ${(failed[0].reason as Error).message}`, failures)
  return results.map(r => (r as PromiseFulfilledResult<DbRecoveryResult>).value)
}

interface Culprit extends Error { pnn?: number }

function tag (err: unknown, pnn: number): Culprit {
  const e = (err instanceof Error ? err : new Error(String(err))) as Culprit
  e.pnn ??= pnn
  return e
}

async function recoverOne (d: RecoveryDeps, db: DbInfo, seqnums: Map<number, bigint>): Promise<DbRecoveryResult> {
  const t0 = Date.now()
  {
    if (db.kind === 'volatile') {
      // Pulled from the nodes that have it; pushed to all (a node without it gets it attached).
      const n = await fanOut(d, db, d.nodes, mergeSorted(d, db, d.nodes.filter(p => seqnums.has(p))), 0n)
      return { db, records: n, ms: Date.now() - t0, source: null, identical: [] }
    }
    // Persistent and replicated: the highest sequence number wins, the first node on ties.
    let source = d.nodes[0]
    let best = -1n
    for (const p of d.nodes) {
      const s = seqnums.get(p)
      if (s !== undefined && s > best) { best = s; source = p }
    }
    const identical = await sameAsSource(d, db, source, d.nodes.filter(p => p !== source && seqnums.get(p) === best))
    const targets = d.nodes.filter(p => (p !== source || !seqnums.has(p)) && !identical.includes(p))
    const n = await fanOut(d, db, targets, tagged(() => d.pull(source, db.id), source), best < 0n ? 0n : best)
    return { db, records: n, ms: Date.now() - t0, source, identical }
  }
}

// The nodes among `candidates` (same sequence number as the source) whose copy has the source's
// digest: pushing to them would write what they hold. Any digest that fails just means a push.
async function sameAsSource (d: RecoveryDeps, db: DbInfo, source: number, candidates: number[]): Promise<number[]> {
  if (d.digest === undefined || candidates.length === 0) return []
  const digests = await Promise.all([source, ...candidates].map(async p => await d.digest!(p, db.id).catch(() => null)))
  const mine = digests[0]
  if (mine === null) return []
  return candidates.filter((_, i) => digests[i + 1] === mine)
}

// A node's pull, with any failure (also one thrown before the first batch) blamed on that node.
async function * tagged (pull: () => AsyncIterable<PackedBatch>, pnn: number): AsyncIterable<PackedBatch> {
  try {
    for await (const b of pull()) yield b
  } catch (err) {
    throw tag(err, pnn)
  }
}

// Send every batch to every target; at most WINDOW batches in flight, so memory stays bounded.
const WINDOW = 4

async function fanOut (d: RecoveryDeps, db: DbInfo, targets: number[], source: AsyncIterable<PackedBatch>, seqnum: bigint): Promise<number> {
  if (targets.length === 0) return 0
  let total = 0
  const inflight: Array<Promise<void>> = []
  const send = (batch: PackedBatch, last: boolean): Promise<void> => Promise.all(targets.map(async p => {
    try {
      await d.pushBatch(p, db, batch, last, seqnum, total)
    } catch (err) {
      throw tag(err, p)
    }
  })).then(() => undefined)
  // A push may fail while the loop waits for the source: each in-flight promise has a handler at
  // once (an unhandled rejection would end the daemon), and is still awaited below.
  const track = (p: Promise<void>): void => { p.catch(() => undefined); inflight.push(p) }
  try {
    for await (const pulled of source) {
      // Records that are only a header (deleted) are dropped before the push, for every kind (CTDB).
      // Batches go on as they came: never decoded, re-encoded or re-cut on the way.
      const batch = dropEmptyRecords(pulled)
      if (batch.count === 0) continue
      total += batch.count
      track(send(batch, false))
      if (inflight.length >= WINDOW) await inflight.shift()
    }
  } catch (err) {
    await Promise.allSettled(inflight)
    throw err
  }
  await Promise.all(inflight)
  await send({ packed: Buffer.alloc(0), count: 0 }, true)
  return total
}

// k-way merge of the nodes' sorted streams; for one key the copies are taken in node order and the
// CTDB rule decides; the winner is pushed with the leader as data master. Empty records are dropped.
// Records are handled by their offsets in the pulled batches and copied once into the output batch;
// headers are read only where two nodes hold the same key. Nothing is allocated per record.
async function * mergeSorted (d: RecoveryDeps, db: DbInfo, holders: number[]): AsyncIterable<PackedBatch> {
  interface Cursor { pnn: number, it: AsyncIterator<PackedBatch>, buf: Buffer, at: Uint32Array, i: number, done: boolean }
  const cursors: Cursor[] = holders.map(p => ({ pnn: p, it: tagged(() => d.pull(p, db.id), p)[Symbol.asyncIterator](), buf: EMPTY, at: NO_OFFSETS, i: 0, done: false }))
  // Move to the next batch when this one is used up (i counts offsets: 4 per record).
  const fill = async (c: Cursor): Promise<void> => {
    while (!c.done && c.i >= c.at.length) {
      try {
        const r = await c.it.next()
        if (r.done === true) { c.done = true; return }
        const x = indexPacked(r.value.packed, r.value.count)
        c.buf = x.buf; c.at = x.offsets; c.i = 0
      } catch (err) {
        throw tag(err, c.pnn)
      }
    }
  }
  await Promise.all(cursors.map(fill))
  const out = new MergeOutput(d.leader)
  for (;;) {
    let min: Cursor | null = null
    for (const c of cursors) {
      if (c.done) continue
      if (min === null || c.buf.compare(min.buf, min.at[min.i], min.at[min.i + 1], c.at[c.i], c.at[c.i + 1]) < 0) min = c
    }
    if (min === null) break
    // The key, kept by its batch and offsets (the batch stays referenced while min moves on).
    const kBuf = min.buf
    const kStart = min.at[min.i]
    const kEnd = min.at[min.i + 1]
    let wBuf: Buffer | null = null
    let wKs = 0
    let wVs = 0
    let wVe = 0
    let winHeader: RecordHeader | undefined
    for (const c of cursors) {
      if (c.done || c.buf.compare(kBuf, kStart, kEnd, c.at[c.i], c.at[c.i + 1]) !== 0) continue
      const vs = c.at[c.i + 2]
      if (wBuf === null) {
        wBuf = c.buf; wKs = c.at[c.i]; wVs = vs; wVe = c.at[c.i + 3]
      } else {
        winHeader ??= readHeader(wBuf, wVs)
        const incoming = readHeader(c.buf, vs)
        if (incomingWins(winHeader, incoming, d.leader)) { wBuf = c.buf; wKs = c.at[c.i]; wVs = vs; wVe = c.at[c.i + 3]; winHeader = incoming }
      }
      c.i += 4
      if (c.i >= c.at.length) await fill(c)
    }
    if (wBuf !== null && wVe - wVs > HEADER_BYTES) {
      out.add(wBuf, wKs, kEnd - kStart, wVs, wVe)
      if (out.count >= d.batchRecords) {
        yield out.take()
        // Pulled batches may all be here already: without this the merge would run from one batch
        // to the next on microtasks alone and hold off timers (heartbeats) for the whole database.
        await new Promise<void>(resolve => setImmediate(resolve))
      }
    }
  }
  if (out.count > 0) yield out.take()
}

const EMPTY = Buffer.alloc(0)
const NO_OFFSETS = new Uint32Array(0)

// The merge's output batch: winners are copied byte for byte as they come into one growing buffer,
// then their header says data master = the leader and MIGRATED_WITH_DATA, as CTDB's recovery
// writes them. take() hands out an exact-size copy and keeps the buffer for the next batch.
class MergeOutput {
  #buf = Buffer.allocUnsafe(256 * 1024)
  #o = 0
  count = 0
  constructor (readonly leader: number) {}

  add (buf: Buffer, ks: number, kl: number, vs: number, ve: number): void {
    const need = this.#o + 8 + kl + ve - vs
    if (need > this.#buf.length) {
      const more = Buffer.allocUnsafe(Math.max(need, this.#buf.length * 2))
      this.#buf.copy(more, 0, 0, this.#o)
      this.#buf = more
    }
    const b = this.#buf
    let o = this.#o
    b.writeUInt32LE(kl, o); o += 4
    buf.copy(b, o, ks, ks + kl); o += kl
    b.writeUInt32LE(ve - vs, o); o += 4
    buf.copy(b, o, vs, ve)
    b.writeUInt32LE(this.leader, o + 8)
    b.writeUInt32LE((b.readUInt32LE(o + 16) | RECORD_FLAG_MIGRATED_WITH_DATA) >>> 0, o + 16)
    this.#o = o + ve - vs
    this.count++
  }

  take (): PackedBatch {
    const packed = Buffer.allocUnsafe(this.#o)
    this.#buf.copy(packed, 0, 0, this.#o)
    const batch = { packed, count: this.count }
    this.#o = 0
    this.count = 0
    return batch
  }
}
