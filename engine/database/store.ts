// The node-local database store: ONE LMDB environment in a directory, one named sub-db per attached
// database (`db:0x1234abcd`, named by id), a `catalogue` sub-db of attached databases and, while a
// recovery push runs, a staging file per database beside LMDB's (`stage-0x1234abcd.push`). Keys and values are raw
// bytes; every value is a CTDB record header followed by the data (see record.ts).
//
// LMDB is multi-process: a local client may open the same environment itself, read-only
// (lmdb `open({ path, readOnly: true, maxDbs, keyEncoding: 'binary', encoding: 'binary' })`),
// look a name up in `catalogue` and read `db:0x…` directly without asking the daemon. Only one
// writer (this class, in the daemon) may have the directory open: opening it wipes volatile data.
import { mkdirSync, readdirSync, realpathSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { open as openLmdb, type Database, type RootDatabase } from 'lmdb'
import { DB_MAX_DATABASES, DB_TRAVERSE_BATCH_BYTES, DB_TRAVERSE_BATCH_RECORDS } from '../config/defaults.js'
import { CorralError } from '../errors/index.js'
import { readBackup, scanBackup, dumpBackupLines, writeBackup } from './backup.js'
import {
  CATALOGUE_VERSION, CATALOGUE_VERSION_KEY, FROZEN_KEY, checkDbKind, checkDbName, DB_FLAG_READONLY, DB_FLAG_STICKY,
  decodeEntry, encodeEntry, kindFlags, type DbInfo, type DbKind,
} from './catalogue.js'
import { dbIdOf, formatDbId } from './dbid.js'
import { checkPacked, packRecords, type PackedBatch } from './packed.js'
import { StoreWriter } from './writer.js'
import { asBuffer, checkKey, checkSeqnum, checkValue, isSeqnumKey, MAX_KEY_BYTES, SEQNUM_KEY } from './limits.js'
import { decodeRecord, encodeRecord, headerProblem, HEADER_BYTES, UNKNOWN_PNN, type RecordHeader } from './record.js'

/** A record as stored: its key, CTDB header and data. Buffers are copies the caller may keep. */
export interface StoredRecord {
  key: Buffer
  header: RecordHeader
  data: Buffer
}

/** One write of applyTransaction: data null deletes the key. Without a header the store writes
 * CTDB's: rsn one above the stored record's (or 1), dmaster = this node, flags kept. */
export interface TransactionWrite {
  key: Uint8Array
  data: Uint8Array | null
  header?: RecordHeader
}

export interface LocalStoreOptions {
  /** LMDB map size to start with; LMDB grows it when full. @default lmdb's own (grows on demand) */
  mapSizeBytes?: number
  /** This node's PNN: the dmaster of records the store writes itself. @default UNKNOWN_PNN */
  pnn?: number
  /** Bytes of recovery pushes staged in memory at once; beyond, a push is staged in its file. @default DB_STAGE_MEMORY_BYTES */
  stageMemoryBytes?: number
}

type Db = Database<Buffer, Buffer>
interface ReadTxn { done: () => void }
interface Attached { info: DbInfo, db: Db }

const BINARY = { keyEncoding: 'binary', encoding: 'binary' } as const
const openDirs = new Set<string>()

/** The node-local store of every attached database. Create with LocalStore.open(). */
export class LocalStore {
  readonly path: string
  readonly pnn: number
  readonly #env: RootDatabase<Buffer, Buffer>
  readonly #catalogue: Db
  readonly #handles = new Map<string, Db>()
  readonly #byId = new Map<number, Attached>()
  readonly #byName = new Map<string, Attached>()
  readonly #readers = new Set<ReadTxn>()
  readonly #pushes = new Map<number, Promise<unknown>>()
  #closed = false
  readonly #opts: LocalStoreOptions
  #writer: StoreWriter | undefined

  private constructor (path: string, env: RootDatabase<Buffer, Buffer>, pnn: number, opts: LocalStoreOptions) {
    this.#opts = opts
    this.path = path
    this.pnn = pnn
    this.#env = env
    this.#catalogue = this.#handle('catalogue')
  }

  // Why: one environment per node; persistent databases come back, volatile/replicated ones are wiped as at CTDB start.
  static open (dir: string, opts: LocalStoreOptions = {}): LocalStore {
    const { mapSizeBytes, pnn = UNKNOWN_PNN } = opts
    if (mapSizeBytes !== undefined && (!Number.isSafeInteger(mapSizeBytes) || mapSizeBytes <= 0)) {
      throw new CorralError('CORRAL_E_USAGE', `mapSizeBytes must be a positive integer, got ${String(mapSizeBytes)}`)
    }
    if (!Number.isInteger(pnn) || pnn < 0 || pnn > UNKNOWN_PNN) throw new CorralError('CORRAL_E_USAGE', `pnn must be a uint32, got ${String(pnn)}`)
    mkdirSync(dir, { recursive: true })
    const path = realpathSync(dir)
    if (openDirs.has(path)) throw new CorralError('CORRAL_E_DB_STORE_BUSY', `database directory ${path} is already open in this process`)
    let env: RootDatabase<Buffer, Buffer>
    try {
      env = openLmdb<Buffer, Buffer>({
        path, noSubdir: false, maxDbs: DB_MAX_DATABASES, ...BINARY, ...(mapSizeBytes === undefined ? {} : { mapSize: mapSizeBytes }),
      })
    } catch (cause) {
      throw new CorralError('CORRAL_E_INTERNAL', `cannot open the database store in ${path}: ${(cause as Error).message}`, { cause })
    }
    openDirs.add(path)
    const store = new LocalStore(path, env, pnn, opts)
    try {
      store.#load()
    } catch (err) {
      openDirs.delete(path)
      void env.close()
      throw err
    }
    return store
  }

  // Why: shutdown waits for queued writes; open traversals and pushes end (their next batch fails).
  async close (): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    for (const txn of this.#readers) txn.done()
    this.#readers.clear()
    try {
      await this.#writer?.close()
      await this.#env.close()
    } finally {
      openDirs.delete(this.path)
    }
  }

  // Why: idempotent attach is what clients do on every start; a kind change is a mistake to report.
  attach (name: string, kind: DbKind): DbInfo {
    this.#open()
    checkDbName(name)
    checkDbKind(kind)
    const have = this.#byName.get(name)
    if (have !== undefined) {
      if (have.info.kind === kind) return have.info
      throw new CorralError('CORRAL_E_DB_KIND', `database ${name} is attached as ${have.info.kind}, cannot attach it as ${kind}`)
    }
    const id = dbIdOf(name)
    const clash = this.#byId.get(id)
    if (clash !== undefined) {
      throw new CorralError('CORRAL_E_USAGE', `database name ${name} has the same id ${formatDbId(id)} as attached database ${clash.info.name}`)
    }
    const info: DbInfo = Object.freeze({ id, name, kind, flags: kindFlags(kind) })
    const db = this.#handle(subDbName(id))
    // Whatever the sub-db holds is not this database's content: a volatile or replicated database
    // starts empty, and a persistent one that is not in the catalogue has none yet.
    this.#env.transactionSync(() => {
      db.clearSync()
      this.#catalogue.putSync(Buffer.from(name, 'utf8'), encodeEntry(info))
    })
    this.#register({ info, db })
    return info
  }

  // Why: CTDB lets clients drop volatile databases; persistent data must never go that easily.
  detach (name: string): void {
    this.#open()
    const a = this.#byName.get(name)
    if (a === undefined) throw new CorralError('CORRAL_E_DB_UNKNOWN', `database ${name} is not attached`)
    if (a.info.kind === 'persistent') throw new CorralError('CORRAL_E_DB_PERSISTENT', `Persistent database ${name} cannot be detached`)
    this.#env.transactionSync(() => {
      a.db.clearSync()
      this.#catalogue.removeSync(Buffer.from(name, 'utf8'))
    })
    this.#byId.delete(a.info.id)
    this.#byName.delete(name)
  }

  // Why: getdbmap lists databases by name, stable across calls.
  list (): DbInfo[] {
    this.#open()
    return [...this.#byName.values()].map(a => a.info).sort((x, y) => (x.name < y.name ? -1 : x.name > y.name ? 1 : 0))
  }

  // Why: the CLI names databases; the wire uses ids.
  byName (name: string): DbInfo | undefined {
    this.#open()
    return this.#byName.get(name)?.info
  }

  // Why: the wire names databases by id.
  byId (id: number): DbInfo | undefined {
    this.#open()
    return this.#byId.get(id)?.info
  }

  // Why: setdbreadonly / setdbsticky; like CTDB, only volatile databases take these flags.
  setFlags (dbId: number, flags: number): DbInfo {
    const a = this.#entry(dbId)
    if ((flags & ~(DB_FLAG_READONLY | DB_FLAG_STICKY)) !== 0) {
      throw new CorralError('CORRAL_E_USAGE', `only the READONLY (0x02) and STICKY (0x04) flags can be set, got 0x${flags.toString(16)}`)
    }
    if (a.info.kind !== 'volatile' && flags !== 0) {
      throw new CorralError('CORRAL_E_DB_KIND', `database ${a.info.name} is ${a.info.kind}; READONLY and STICKY apply to volatile databases only`)
    }
    const info: DbInfo = Object.freeze({ ...a.info, flags: a.info.flags | flags })
    this.#catalogue.putSync(Buffer.from(info.name, 'utf8'), encodeEntry(info))
    this.#register({ info, db: a.db })
    return info
  }

  // Why: a local fetch; reads are synchronous in LMDB and see the last committed write.
  get (dbId: number, key: Uint8Array): StoredRecord | undefined {
    const a = this.#entry(dbId)
    if (!(key instanceof Uint8Array) || key.length === 0 || key.length > MAX_KEY_BYTES || isSeqnumKey(key)) return undefined
    const value = a.db.get(asBuffer(key))
    if (value === undefined) return undefined
    return { key: Buffer.from(key), ...decodeRecord(value) }
  }

  // Why: one record store (a migration, a local write); durable (fsync) when it resolves.
  async put (dbId: number, key: Uint8Array, header: RecordHeader, data: Uint8Array): Promise<void> {
    const a = this.#entry(dbId)
    checkKey(key)
    checkValue(data)
    const value = encodeRecord(header, data)
    await a.db.put(Buffer.from(key), value)
    await this.#env.flushed
  }

  // Why: vacuuming and deletes; tells whether the key was there, atomically with the delete.
  async remove (dbId: number, key: Uint8Array): Promise<boolean> {
    const a = this.#entry(dbId)
    checkKey(key)
    const k = Buffer.from(key)
    const existed = await a.db.childTransaction(() => {
      if (a.db.get(k) === undefined) return false
      a.db.removeSync(k)
      return true
    })
    await this.#env.flushed
    return existed
  }

  // Why: getdbstatus and PUSH_CONFIRM need the record count without a traverse.
  count (dbId: number): number {
    const a = this.#entry(dbId)
    const stats = a.db.getStats() as { entryCount: number }
    return stats.entryCount - (a.db.get(SEQNUM_KEY) === undefined ? 0 : 1)
  }

  // Why: recovery pulls stream one consistent snapshot in bounded batches, never one giant array.
  traverse (dbId: number, batchRecords: number = DB_TRAVERSE_BATCH_RECORDS): AsyncIterable<StoredRecord[]> {
    const a = this.#entry(dbId)
    if (!Number.isSafeInteger(batchRecords) || batchRecords < 1) {
      throw new CorralError('CORRAL_E_USAGE', `batchRecords must be a positive integer, got ${String(batchRecords)}`)
    }
    return this.#batches(a, batchRecords)
  }

  // Why: recovery pulls and catdb send what LMDB holds as it is (values are header + data), so a
  // batch is never decoded into records and encoded again on its way to another node; the store's
  // thread reads and packs, so a daemon's loop spends nothing per record. A chunk of a longer
  // traverse starts after the key `after` and reads at most `maxBatches` batches.
  traversePacked (dbId: number, opts: { batchRecords?: number, dropEmpty?: boolean, after?: Uint8Array, maxBatches?: number } = {}): AsyncIterable<PackedBatch> {
    const a = this.#entry(dbId)
    const batchRecords = opts.batchRecords ?? DB_TRAVERSE_BATCH_RECORDS
    for (const [field, v] of [['batchRecords', batchRecords], ['maxBatches', opts.maxBatches ?? 1]] as const) {
      if (!Number.isSafeInteger(v) || v < 1) throw new CorralError('CORRAL_E_USAGE', `${field} must be a positive integer, got ${String(v)}`)
    }
    this.#open()
    return this.#writerOf().read({ live: subDbName(a.info.id), skipKey: SEQNUM_KEY, dropEmpty: opts.dropEmpty === true, headerBytes: HEADER_BYTES, batchRecords, maxBytes: DB_TRAVERSE_BATCH_BYTES, after: opts.after, maxBatches: opts.maxBatches })
  }

  // Why: a daemon starts the writer thread before its first recovery needs it.
  startWriter (): void {
    this.#open()
    this.#writerOf().start()
  }

  #writerOf (): StoreWriter {
    this.#writer ??= new StoreWriter({ path: this.path, maxDbs: DB_MAX_DATABASES, mapSize: this.#opts.mapSizeBytes, stageMemoryBytes: this.#opts.stageMemoryBytes })
    return this.#writer
  }

  // Why: a recovery skips pushing a persistent database to a node whose copy is already the same:
  // the digest is computed by the writer thread, never on the caller's event loop.
  async digest (dbId: number): Promise<{ digest: Buffer, records: number }> {
    const a = this.#entry(dbId)
    return await this.#writerOf().digest(subDbName(a.info.id), SEQNUM_KEY)
  }

  // Why: persistent recovery picks the node with the highest sequence number.
  seqnum (dbId: number): bigint {
    return seqnumOf(this.#entry(dbId).db.get(SEQNUM_KEY))
  }

  // Why: a cluster-wide transaction commits here all at once, with its new sequence number, or not at all.
  async applyTransaction (dbId: number, writes: TransactionWrite[], seqnum: bigint): Promise<void> {
    const a = this.#entry(dbId)
    if (a.info.kind === 'volatile') {
      throw new CorralError('CORRAL_E_DB_KIND', `database ${a.info.name} is volatile; transactions need a persistent or replicated database`)
    }
    checkSeqnum(seqnum)
    if (!Array.isArray(writes)) throw new CorralError('CORRAL_E_USAGE', 'writes must be an array')
    for (const w of writes) {
      checkKey(w.key)
      if (w.data !== null) checkValue(w.data)
      if (w.header !== undefined) checkHeader(w.header)
    }
    await a.db.childTransaction(() => {
      for (const w of writes) {
        const k = Buffer.from(w.key)
        if (w.data === null) {
          a.db.removeSync(k)
          continue
        }
        a.db.putSync(k, encodeRecord(w.header ?? this.#nextHeader(a.db, k), w.data))
      }
      this.#putSeqnum(a.db, seqnum)
    })
    await this.#env.flushed
  }

  // Why: a recovery push replaces the whole content; a failure or crash part-way must leave the old content.
  async replaceAll (dbId: number, records: AsyncIterable<StoredRecord[]> | Iterable<StoredRecord[]>, seqnum?: bigint): Promise<number> {
    return await this.replacePacked(dbId, packEach(records), seqnum)
  }

  // Why: the same replace for batches already packed (a recovery push): checked, then written by the
  // store's writer thread, never record by record on the caller's event loop.
  async replacePacked (dbId: number, records: AsyncIterable<PackedBatch> | Iterable<PackedBatch>, seqnum?: bigint): Promise<number> {
    const a = this.#entry(dbId)
    if (seqnum !== undefined) checkSeqnum(seqnum)
    const previous = this.#pushes.get(dbId) ?? Promise.resolve()
    const run = previous.catch(() => {}).then(async () => await this.#replace(a, records, seqnum))
    this.#pushes.set(dbId, run)
    try {
      return await run
    } finally {
      if (this.#pushes.get(dbId) === run) this.#pushes.delete(dbId)
    }
  }

  // Why: recovery wipes before pushing; `ctdb wipedb` too. Removes the sequence number as well.
  async wipe (dbId: number): Promise<void> {
    const a = this.#entry(dbId)
    await a.db.childTransaction(() => { a.db.clearSync() })
    await this.#env.flushed
  }

  // Why: `backupdb`: records and sequence number from one snapshot, in a file restore() and dumpBackup() read.
  async backup (dbId: number, file: string): Promise<number> {
    const a = this.#entry(dbId)
    const txn = a.db.useReadTransaction() as ReadTxn
    this.#readers.add(txn)
    try {
      const value = a.db.get(SEQNUM_KEY, { transaction: txn as never })
      return await writeBackup(file, a.info, seqnumOf(value), this.#batches(a, DB_TRAVERSE_BATCH_RECORDS, txn))
    } finally {
      if (this.#readers.delete(txn)) txn.done()
    }
  }

  // Why: `restoredb`: the whole file is checked first, so a corrupt one changes nothing.
  async restore (file: string, name?: string): Promise<DbInfo> {
    this.#open()
    const head = await scanBackup(file)
    const info = this.attach(name ?? head.name, head.kind)
    await this.replaceAll(info.id, readBackup(file), info.kind === 'volatile' ? undefined : head.seqnum)
    return this.byId(info.id) ?? info
  }

  // Why: `dumpdbbackup`: read a backup without a daemon or an attached database.
  dumpBackup (file: string): AsyncIterable<string> {
    return dumpBackupLines(file)
  }

  #open (): void {
    if (this.#closed) throw new CorralError('CORRAL_E_INTERNAL', `database store ${this.path} is closed`)
  }

  #entry (dbId: number): Attached {
    this.#open()
    const a = this.#byId.get(dbId)
    if (a === undefined) throw new CorralError('CORRAL_E_DB_UNKNOWN', `database ${formatDbId(dbId)} is not attached`)
    return a
  }

  #register (a: Attached): void {
    this.#byId.set(a.info.id, a)
    this.#byName.set(a.info.name, a)
  }

  #handle (name: string): Db {
    let db = this.#handles.get(name)
    if (db === undefined) {
      try {
        db = this.#env.openDB<Buffer, Buffer>(name, BINARY)
      } catch (cause) {
        throw new CorralError('CORRAL_E_INTERNAL', `cannot open sub-db ${name} in ${this.path} (at most ${DB_MAX_DATABASES}): ${(cause as Error).message}`, { cause })
      }
      this.#handles.set(name, db)
    }
    return db
  }

  // Load the catalogue: persistent databases become attached; volatile and replicated ones are
  // emptied and dropped from it; staging left by a crash mid-push (files, and the staging sub-dbs
  // of older versions) is removed.
  #load (): void {
    const version = this.#catalogue.get(CATALOGUE_VERSION_KEY)
    if (version !== undefined && Number(version.toString('utf8')) > CATALOGUE_VERSION) {
      throw new CorralError('CORRAL_E_INTERNAL', `database catalogue in ${this.path} has version ${version.toString('utf8')}; this corral reads version ${CATALOGUE_VERSION}`)
    }
    const kept: DbInfo[] = []
    const gone: DbInfo[] = []
    for (const { key, value } of this.#catalogue.getRange({})) {
      if (key[0] === 0) continue
      const info = decodeEntry(this.path, key, value)
      if (info.kind === 'persistent') kept.push(info)
      else gone.push(info)
    }
    const stages: string[] = []
    for (const key of this.#env.getKeys({})) {
      // Root keys are sub-db names as LMDB stores them, with the C string's NUL.
      const name = (Buffer.isBuffer(key) ? key.toString('utf8') : String(key)).replace(/\0$/, '')
      if (name.startsWith('stage:')) stages.push(name)
    }
    const stale = [...gone.map(info => this.#handle(subDbName(info.id))), ...stages.map(s => this.#handle(s))]
    const kept2 = kept.map(info => ({ info, db: this.#handle(subDbName(info.id)) }))
    this.#env.transactionSync(() => {
      for (const db of stale) db.clearSync()
      for (const info of gone) this.#catalogue.removeSync(Buffer.from(info.name, 'utf8'))
      this.#catalogue.putSync(CATALOGUE_VERSION_KEY, Buffer.from(String(CATALOGUE_VERSION)))
    })
    for (const a of kept2) this.#register(a)
    // Staging files of pushes a crash interrupted: never swapped in, so never part of a database.
    for (const f of readdirSync(this.path)) {
      if (f.startsWith(STAGE_FILE_PREFIX) && f.endsWith(STAGE_FILE_SUFFIX)) rmSync(join(this.path, f), { force: true })
    }
  }

  // Batches from a read transaction (the caller's, or one of its own that ends with the loop), in
  // key order, the sequence number record left out, at most batchRecords records or
  // DB_TRAVERSE_BATCH_BYTES each.
  async * #batches (a: Attached, batchRecords: number, given?: ReadTxn): AsyncGenerator<StoredRecord[]> {
    this.#open()
    const txn = given ?? a.db.useReadTransaction() as ReadTxn
    if (given === undefined) this.#readers.add(txn)
    try {
      let after: Buffer | undefined
      for (;;) {
        const batch: StoredRecord[] = []
        let bytes = 0
        for (const { key, value } of a.db.getRange({ transaction: txn as never, start: after, exclusiveStart: after !== undefined })) {
          after = key
          if (isSeqnumKey(key)) continue
          batch.push({ key, ...decodeRecord(value) })
          bytes += key.length + value.length
          if (batch.length >= batchRecords || bytes >= DB_TRAVERSE_BATCH_BYTES) break
        }
        if (batch.length === 0) return
        yield batch
        // Let timers run between batches (heartbeats live on this event loop): a long traverse
        // must never starve them, whatever consumes it.
        await new Promise<void>(resolve => setImmediate(resolve))
        if (this.#closed) throw new CorralError('CORRAL_E_INTERNAL', `database store ${this.path} was closed during a traverse`)
      }
    } finally {
      if (given === undefined && this.#readers.delete(txn)) txn.done()
    }
  }

  async #replace (a: Attached, records: AsyncIterable<PackedBatch> | Iterable<PackedBatch>, seqnum: bigint | undefined): Promise<number> {
    const stage = stageFileName(this.path, a.info.id)
    const writer = this.#writerOf()
    await writer.clear(stage)
    try {
      // One batch written while the next is checked and received: at most one in the writer's queue.
      let writing: Promise<void> = Promise.resolve()
      for await (const batch of records) {
        if (batch === null || typeof batch !== 'object' || !Buffer.isBuffer(batch.packed)) throw new CorralError('CORRAL_E_USAGE', 'replaceAll: each batch must be a packed batch')
        checkPacked(batch.packed, batch.count)
        this.#open()
        await writing
        writing = writer.stage(stage, batch.packed)
        writing.catch(() => undefined)
      }
      await writing
      this.#open()
      if (this.#byId.get(a.info.id) !== a) throw new CorralError('CORRAL_E_DB_UNKNOWN', `database ${formatDbId(a.info.id)} was detached during the push`)
      await writer.swap(subDbName(a.info.id), stage, seqnum === undefined ? null : { key: SEQNUM_KEY, value: this.#seqnumValue(a.db, seqnum) })
      // The swap committed in another thread: reads on this one must not stay on an older snapshot.
      this.#env.resetReadTxn()
    } catch (err) {
      if (!this.#closed) await writer.clear(stage).catch(() => {})
      throw err
    }
    return this.count(a.info.id)
  }

  #nextHeader (db: Db, key: Buffer): RecordHeader {
    const old = db.get(key)
    const h = old !== undefined && old.length >= HEADER_BYTES ? decodeRecord(old).header : undefined
    return { rsn: (h?.rsn ?? 0n) + 1n, dmaster: this.pnn, flags: h?.flags ?? 0 }
  }

  // Why: migration hands a record over in one write transaction, so a local client writing the record
  // itself lands either before (its data moves along) or after (it sees the record is no longer here).
  handOver (dbId: number, key: Uint8Array, to: number): { found: boolean, header: RecordHeader, data: Buffer } {
    const a = this.#entry(dbId)
    const k = asBuffer(key)
    return this.#env.transactionSync(() => {
      const v = a.db.get(k)
      const rec = v === undefined ? undefined : decodeRecord(v)
      const header: RecordHeader = { rsn: (rec?.header.rsn ?? 0n) + 1n, dmaster: to, flags: rec?.header.flags ?? 0 }
      const data = rec?.data ?? Buffer.alloc(0)
      if (to !== this.pnn) a.db.putSync(k, encodeRecord(header, data))
      return { found: rec !== undefined && data.length > 0, header, data }
    })
  }

  // Why: vacuuming: delete each key whose copy is no newer than `rsn`, unless it is a live record this
  // node holds (`keepHeld`), or, for the node that asked, unless it changed since (`onlyIfEmptyHeld`).
  vacuumDelete (dbId: number, items: Array<{ key: Uint8Array, rsn: bigint }>, mode: 'others' | 'own'): number {
    const a = this.#entry(dbId)
    return this.#env.transactionSync(() => {
      let n = 0
      for (const it of items) {
        const k = asBuffer(it.key)
        const v = a.db.get(k)
        if (v === undefined) continue
        const { header, data } = decodeRecord(v)
        if (header.rsn > it.rsn) continue
        if (mode === 'own' ? header.dmaster !== this.pnn || data.length > 0 : header.dmaster === this.pnn && data.length > 0) continue
        a.db.removeSync(k)
        n++
      }
      return n
    })
  }

  // Why: a recovery freezes local clients too: they see this marker inside their own write transaction.
  async setFrozen (generation: number | null): Promise<void> {
    this.#open()
    if (generation === null) await this.#catalogue.remove(FROZEN_KEY)
    else {
      const v = Buffer.alloc(4)
      v.writeUInt32LE(generation >>> 0)
      await this.#catalogue.put(FROZEN_KEY, v)
    }
  }

  #seqnumValue (db: Db, seqnum: bigint): Buffer {
    const data = Buffer.alloc(8)
    data.writeBigUInt64LE(seqnum)
    return encodeRecord(this.#nextHeader(db, SEQNUM_KEY), data)
  }

  #putSeqnum (db: Db, seqnum: bigint): void {
    const data = Buffer.alloc(8)
    data.writeBigUInt64LE(seqnum)
    db.putSync(SEQNUM_KEY, encodeRecord(this.#nextHeader(db, SEQNUM_KEY), data))
  }
}

// CTDB's rule: a sequence number record whose data is not exactly 8 bytes counts as 0.
function seqnumOf (value: Buffer | undefined): bigint {
  if (value === undefined || value.length !== HEADER_BYTES + 8) return 0n
  return value.readBigUInt64LE(HEADER_BYTES)
}

function checkHeader (h: RecordHeader): void {
  const problem = typeof h === 'object' && h !== null ? headerProblem(h) : 'missing'
  if (problem !== undefined) throw new CorralError('CORRAL_E_USAGE', `bad record header: ${problem}`)
}

// Why: sub-db names carry the id so a reader can find a database from the catalogue alone.
export function subDbName (id: number): string {
  return `db:${formatDbId(id)}`
}

// A push's staging file, beside LMDB's files in the environment directory.
function stageFileName (dir: string, id: number): string {
  return join(dir, `${STAGE_FILE_PREFIX}${formatDbId(id)}${STAGE_FILE_SUFFIX}`)
}

const STAGE_FILE_PREFIX = 'stage-'
const STAGE_FILE_SUFFIX = '.push'

// Record batches as packed batches (restores and tests hand records; pushes arrive packed).
async function * packEach (records: AsyncIterable<StoredRecord[]> | Iterable<StoredRecord[]>): AsyncGenerator<PackedBatch> {
  for await (const batch of records) {
    if (!Array.isArray(batch)) throw new CorralError('CORRAL_E_USAGE', 'replaceAll: each batch must be an array of records')
    for (const r of batch) {
      checkKey(r.key)
      checkValue(r.data)
      checkHeader(r.header)
    }
    yield { packed: packRecords(batch), count: batch.length }
  }
}
