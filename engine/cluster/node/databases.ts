// The cluster member's databases: the node's LMDB store, freeze and thaw around recoveries,
// persistent transactions committed on every active node (coordinated by the leader, fenced by the
// generation), and volatile record migration through the location master (CTDB's lmaster/dmaster).
import { join } from 'node:path'
import { DbCommitRequestSchema, DbMigrateRequestSchema, DbVacuumRequestSchema, DbWriteRequestSchema } from '../../../protocol/gen/corral/v1/database_pb.js'
import * as D from '../../config/defaults.js'
import { CorralError } from '../../errors/index.js'
import { checkKey, checkValue, HEADER_BYTES, indexPacked, LocalStore, readHeader, type DbInfo, type DbKind, type PackedBatch, type RecordHeader, type StoredRecord } from '../../database/index.js'
import { AsyncQueue, packRecords } from '../../recovery/index.js'
import { RecoveryMode } from '../runstate.js'
import type { ClusterNode } from './node.js'

export interface DbWriteOp { key: Uint8Array, data: Uint8Array, delete: boolean }

/** FNV-1a over the key: which vnnmap slot is a record's location master. */
export function keyHash (key: Uint8Array): number {
  let h = 0x811c9dc5
  for (let i = 0; i < key.length; i++) { h ^= key[i]; h = Math.imul(h, 0x01000193) >>> 0 }
  return h
}

export class NodeDatabases {
  store!: LocalStore
  /** Location masters of the current generation (set at the end of each recovery). */
  vnnmap: number[] = []
  #frozen: number | null = null
  #thawWaiters: Array<() => void> = []
  #locks = new Map<string, Promise<unknown>>()
  #pushes = new Map<string, { queue: AsyncQueue<PackedBatch>, done: Promise<number>, received: number }>()

  constructor (readonly node: ClusterNode) {}

  #vacuumTimer: NodeJS.Timeout | undefined
  #vacuuming = false
  /** Deleted records removed cluster-wide by this node's vacuum runs. */
  vacuumed = 0

  open (): void {
    this.store = LocalStore.open(join(this.node.config.paths.stateDir, D.DATABASE_DIR_NAME), { pnn: this.node.pnn })
    // The writer thread starts now, not in the middle of the first recovery (starting one takes ~90 ms).
    this.store.startWriter()
    this.#scheduleVacuum()
  }

  #scheduleVacuum (): void {
    this.#vacuumTimer = setTimeout(() => { void this.vacuum().finally(() => this.#scheduleVacuum()) }, Math.max(1, this.node.tunables.VacuumInterval) * 1000)
    this.#vacuumTimer.unref()
  }

  // Why: a delete leaves an empty record (CTDB); vacuuming removes the empty records this node holds
  // from every node (copies no newer than it), then here, so deletes do not grow the store forever.
  async vacuum (): Promise<number> {
    if (this.#vacuuming || this.#frozen !== null || this.node.recoveryMode !== RecoveryMode.NORMAL || this.vnnmap.length === 0) return 0
    this.#vacuuming = true
    let total = 0
    try {
      for (const db of this.store.list()) {
        if (db.kind !== 'volatile') continue
        const empty: StoredRecord[] = []
        // Read packed: only the empty records this node holds become record objects.
        for await (const b of this.store.traversePacked(db.id, { batchRecords: D.DB_BATCH_RECORDS })) {
          // A recovery started: it drops empty records itself, and needs the CPU.
          if (this.#frozen !== null) break
          const { buf, offsets } = indexPacked(b.packed, b.count)
          for (let i = 0; i < offsets.length; i += 4) {
            const vs = offsets[i + 2]
            if (offsets[i + 3] - vs !== HEADER_BYTES || buf.readUInt32LE(vs + 8) !== this.node.pnn) continue
            empty.push({ key: Buffer.from(buf.subarray(offsets[i], offsets[i + 1])), header: readHeader(buf, vs), data: Buffer.alloc(0) })
          }
          if (empty.length >= D.DB_BATCH_RECORDS) break
        }
        if (empty.length === 0) continue
        const generation = this.node.generation
        const packed = packRecords(empty)
        const others = this.node.activeSet().filter(p => p !== this.node.pnn)
        await Promise.all(others.map(async p => await this.node.linkTo(p).request(DbVacuumRequestSchema, { dbId: db.id, packed, count: empty.length, generation }, { timeoutMs: D.DB_MIGRATE_TIMEOUT_MS })))
        if (generation !== this.node.generation || this.#frozen !== null) continue
        total += this.store.vacuumDelete(db.id, empty.map(r => ({ key: r.key, rsn: r.header.rsn })), 'own')
      }
    } catch (err) {
      this.node.log.warn({}, `vacuum: ${(err as Error).message}; trying again next interval`)
    } finally {
      this.#vacuuming = false
    }
    this.vacuumed += total
    if (total > 0) this.node.log.info({ deleted: total }, `vacuum removed ${total} deleted record(s)`)
    return total
  }

  /** Another node's vacuum: drop copies no newer than its deleted records (never a live one held here). */
  vacuumPeer (dbId: number, items: StoredRecord[], generation: number): number {
    if (generation !== this.node.generation) throw new CorralError('CORRAL_E_STALE_GENERATION', `vacuum of generation ${generation}, this node is at ${this.node.generation}`)
    if (this.#frozen !== null) throw new CorralError('CORRAL_E_DB_RECOVERING', `node ${this.node.pnn} is frozen for recovery`)
    if (this.store.byId(dbId) === undefined) return 0
    return this.store.vacuumDelete(dbId, items.map(r => ({ key: r.key, rsn: r.header.rsn })), 'others')
  }

  async close (): Promise<void> {
    clearTimeout(this.#vacuumTimer)
    this.thaw()
    await this.store?.close()
  }

  get frozen (): number | null { return this.#frozen }

  // Why: recovery freezes every database: writes wait until thaw, so nothing changes under a pull.
  freeze (generation: number): void {
    this.#frozen = generation
    void this.store.setFrozen(generation).catch(err => { this.node.log.error({}, `cannot mark the store frozen: ${(err as Error).message}`) })
  }

  thaw (): void {
    this.#frozen = null
    if (this.store !== undefined) void this.store.setFrozen(null).catch(() => undefined)
    for (const w of this.#thawWaiters.splice(0)) w()
  }

  async whenThawed (): Promise<void> {
    if (this.#frozen === null) return
    await new Promise<void>(resolve => this.#thawWaiters.push(resolve))
  }

  /** A database by name or 0x id, or a clear error. */
  resolve (db: string): DbInfo {
    const info = /^0x[0-9a-fA-F]+$/.test(db) ? this.store.byId(Number(db)) : this.store.byName(db)
    if (info === undefined) throw new CorralError('CORRAL_E_DB_UNKNOWN', `database ${db} is not attached on node ${this.node.pnn}`)
    return info
  }

  /** This node's databases with counts and sequence numbers. */
  map (): Array<DbInfo & { records: number, seqnum: bigint }> {
    return this.store.list().map(d => ({ ...d, records: this.store.count(d.id), seqnum: d.kind === 'volatile' ? 0n : this.store.seqnum(d.id) }))
  }

  // Why: fetchLocked: the record comes here and stays until the lock ends (unlock or the client's
  // connection closes); migrations of it wait meanwhile. Returns the record and the release.
  async lock (db: DbInfo, key: Uint8Array, ended: AbortSignal): Promise<{ record: StoredRecord | undefined, release: () => void }> {
    const k = `${db.id}:${Buffer.from(key).toString('latin1')}`
    for (let attempt = 0; ; attempt++) {
      await this.fetch(db, key, false)
      let release!: () => void
      const held = new Promise<void>(resolve => { release = resolve })
      let entered!: () => void
      const inside = new Promise<void>(resolve => { entered = resolve })
      void this.#exclusive(k, async () => { entered(); await held })
      await inside
      const record = this.store.get(db.id, key)
      // Migrated away between the fetch and the lock: try again (bounded).
      if (db.kind === 'volatile' && record !== undefined && record.header.dmaster !== this.node.pnn && attempt < 5) { release(); continue }
      if (ended.aborted) { release(); throw new CorralError('CORRAL_E_INTERNAL', 'the client went away before the lock was granted') }
      ended.addEventListener('abort', release, { once: true })
      return { record, release }
    }
  }

  // Serialise work on one key (or one database's commits) on this node.
  async #exclusive<T> (lock: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.#locks.get(lock) ?? Promise.resolve()
    const run = prev.then(fn, fn)
    const tail = run.catch(() => undefined)
    this.#locks.set(lock, tail)
    try {
      return await run
    } finally {
      if (this.#locks.get(lock) === tail) this.#locks.delete(lock)
    }
  }

  #ready (): void {
    if (this.node.recoveryMode !== RecoveryMode.NORMAL || this.vnnmap.length === 0) throw new CorralError('CORRAL_E_DB_RECOVERING', `node ${this.node.pnn} is in recovery; try again`)
  }

  // Why: a volatile read or write needs the record here first (CTDB migrates it, RSN bumped).
  async fetch (db: DbInfo, key: Uint8Array, localOnly: boolean): Promise<StoredRecord | undefined> {
    await this.whenThawed()
    const here = this.store.get(db.id, key)
    if (db.kind !== 'volatile' || localOnly || here?.header.dmaster === this.node.pnn) return here
    return await this.#migrateHere(db, key)
  }

  async #migrateHere (db: DbInfo, key: Uint8Array): Promise<StoredRecord | undefined> {
    this.#ready()
    const me = this.node.pnn
    const lmaster = this.vnnmap[keyHash(key) % this.vnnmap.length]
    const reply = lmaster === me
      ? await this.migrate(db.id, key, me, this.node.generation, false)
      : await this.node.linkTo(lmaster).request(DbMigrateRequestSchema, { dbId: db.id, key, to: me, generation: this.node.generation }, { timeoutMs: D.DB_MIGRATE_TIMEOUT_MS })
    const header: RecordHeader = { rsn: reply.record?.rsn ?? 0n, dmaster: me, flags: reply.record?.flags ?? 0 }
    const data = Buffer.from(reply.record?.data ?? new Uint8Array())
    await this.store.put(db.id, key, header, data)
    return reply.found ? { key: Buffer.from(key), header, data } : undefined
  }

  // Why: CTDB's REQ_CALL/REQ_DMASTER: the location master hands the record over (or fetches it from
  // its data master), records the new data master and bumps the RSN; fenced by the generation.
  async migrate (dbId: number, key: Uint8Array, to: number, generation: number, forwarded: boolean): Promise<{ found: boolean, record?: { key: Uint8Array, rsn: bigint, dmaster: number, flags: number, data: Uint8Array } }> {
    if (generation !== this.node.generation) throw new CorralError('CORRAL_E_STALE_GENERATION', `migration of generation ${generation}, this node is at ${this.node.generation}`)
    await this.whenThawed()
    if (this.store.byId(dbId) === undefined) throw new CorralError('CORRAL_E_DB_UNKNOWN', `database 0x${dbId.toString(16)} is not attached on node ${this.node.pnn}`)
    const me = this.node.pnn
    return await this.#exclusive(`${dbId}:${Buffer.from(key).toString('latin1')}`, async () => {
      const rec = this.store.get(dbId, key)
      const dmaster = rec?.header.dmaster ?? me
      if (forwarded || rec === undefined || dmaster === me || dmaster === to) {
        const h = this.store.handOver(dbId, key, to)
        return { found: h.found, record: { key, rsn: h.header.rsn, dmaster: to, flags: h.header.flags, data: h.data } }
      }
      // We are the location master but another node holds the latest copy: get it from there.
      const r = await this.node.linkTo(dmaster).request(DbMigrateRequestSchema, { dbId, key, to, generation, forwarded: true }, { timeoutMs: D.DB_MIGRATE_TIMEOUT_MS })
      const got = r.record!
      if (to !== me) await this.store.put(dbId, key, { rsn: got.rsn, dmaster: to, flags: got.flags }, got.data)
      return { found: r.found, record: { key, rsn: got.rsn, dmaster: to, flags: got.flags, data: got.data } }
    })
  }

  // Why: `writekey`/`pstore`/`ptrans` and the client's store: volatile records are migrated and
  // written here; persistent and replicated writes are one cluster-wide transaction.
  async write (db: DbInfo, writes: DbWriteOp[]): Promise<bigint> {
    // Every write of the request is checked before any is made or forwarded (the store's own limits).
    for (const w of writes) {
      checkKey(w.key)
      if (!w.delete) checkValue(w.data)
    }
    if (db.kind === 'volatile') {
      for (const w of writes) {
        const rec = await this.fetch(db, w.key, false)
        const header: RecordHeader = { rsn: rec?.header.rsn ?? this.store.get(db.id, w.key)?.header.rsn ?? 0n, dmaster: this.node.pnn, flags: rec?.header.flags ?? 0 }
        // A delete leaves an empty record (CTDB), removed by the vacuum or the next recovery.
        await this.store.put(db.id, w.key, header, w.delete ? new Uint8Array() : w.data)
      }
      return 0n
    }
    return await this.commit(db, writes)
  }

  // Why: a persistent transaction is committed only when every active node has it on disk.
  async commit (db: DbInfo, writes: DbWriteOp[]): Promise<bigint> {
    const n = this.node
    if (!n.isLeader) {
      if (n.leader === null) throw new CorralError('CORRAL_E_DB_RECOVERING', 'no leader yet; try again')
      const r = await this.node.linkTo(n.leader).request(DbWriteRequestSchema, { db: `0x${db.id.toString(16)}`, writes }, { timeoutMs: D.DB_COMMIT_TIMEOUT_MS })
      return r.seqnum
    }
    return await this.#exclusive(`commit:${db.id}`, async () => {
      await this.whenThawed()
      this.#ready()
      const generation = n.generation
      const seqnum = this.store.seqnum(db.id) + 1n
      const nodes = n.activeSet()
      const list = writes.map(w => ({ key: w.key, data: w.delete ? null : w.data }))
      const results = await Promise.allSettled(nodes.map(async p => {
        if (p === n.pnn) await this.apply(db.id, seqnum, list, generation)
        else await this.node.linkTo(p).request(DbCommitRequestSchema, { dbId: db.id, seqnum, writes: writes.map(w => ({ key: w.key, data: w.data, delete: w.delete })), generation }, { timeoutMs: D.DB_COMMIT_TIMEOUT_MS })
      }))
      const failed = nodes.filter((_, i) => results[i].status === 'rejected')
      if (failed.length > 0) {
        // The nodes now disagree: a recovery makes them agree again (highest sequence number wins).
        n.admin('recover', 0)
        const why = (results.find(r => r.status === 'rejected') as PromiseRejectedResult).reason as Error
        throw new CorralError('CORRAL_E_DB_COMMIT', `transaction ${seqnum} on ${db.name} failed on node(s) ${failed.join(',')}: ${why.message}; a recovery will settle it (it may or may not be kept)`)
      }
      return seqnum
    })
  }

  /** One node's part of a commit: refused when frozen or from another generation. */
  async apply (dbId: number, seqnum: bigint, writes: Array<{ key: Uint8Array, data: Uint8Array | null }>, generation: number): Promise<void> {
    if (this.#frozen !== null) throw new CorralError('CORRAL_E_DB_RECOVERING', `node ${this.node.pnn} is frozen for recovery`)
    if (generation !== this.node.generation) throw new CorralError('CORRAL_E_STALE_GENERATION', `commit of generation ${generation}, this node is at ${this.node.generation}`)
    await this.store.applyTransaction(dbId, writes, seqnum)
  }

  // Why: recovery's push: batches of the merged content go into an atomic replace of the database
  // (the old content stays until the last batch is in); returns what has arrived so far.
  async pushBatch (db: { dbId: number, generation: number, name: string, kind: DbKind }, batch: PackedBatch, last: boolean, seqnum: bigint, total: number | bigint): Promise<number> {
    const id = `${db.dbId}:${db.generation}`
    let s = this.#pushes.get(id)
    if (s === undefined) {
      const d = this.store.attach(db.name, db.kind)
      if (d.id !== db.dbId) throw new CorralError('CORRAL_E_DB_UNKNOWN', `database ${db.name} has id 0x${d.id.toString(16)} here, the leader says 0x${db.dbId.toString(16)}`)
      const queue = new AsyncQueue<PackedBatch>()
      s = { queue, done: this.store.replacePacked(db.dbId, queue, seqnum), received: 0 }
      s.done.catch(() => undefined)
      this.#pushes.set(id, s)
    }
    s.received += batch.count
    try {
      if (batch.count > 0) await s.queue.push(batch)
      if (!last) return s.received
      s.queue.end()
      const n = await s.done
      if (BigInt(n) !== BigInt(total)) throw new CorralError('CORRAL_E_RECOVERY_FAILED', `database ${db.name}: ${n} records written, the leader sent ${total}`)
      this.#pushes.delete(id)
      return n
    } catch (err) {
      s.queue.fail(err as Error)
      this.#pushes.delete(id)
      throw err
    }
  }

  /** Forget pushes of an aborted recovery (their replace never completes: the old content stays). */
  abortPushes (): void {
    for (const s of this.#pushes.values()) s.queue.fail(new CorralError('CORRAL_E_RECOVERY_FAILED', 'the recovery was abandoned'))
    this.#pushes.clear()
  }
}
