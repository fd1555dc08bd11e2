// The database client library, published as `corral/client`:
//   const c = await connect()                       // the local corrald's control socket
//   const db = await c.attach('locking.tdb')        // volatile; or attach(name, 'persistent')
//   await db.store(key, value); const v = await db.fetch(key)
// Records this node holds are read and written straight in the node's LMDB environment (LMDB is
// multi-process), without a round trip through the daemon; the daemon is asked only to migrate a
// record here, to lock one, and to commit persistent transactions cluster-wide.
import { DbAttachRequestSchema, DbFetchRequestSchema, DbLockRequestSchema, DbOpenRequestSchema, DbTraverseRequestSchema, DbWriteRequestSchema } from '../../protocol/gen/corral/v1/database_pb.js'
import { DB_MAX_DATABASES } from '../config/defaults.js'
import { CorralError } from '../errors/index.js'
import { FROZEN_KEY, HEADER_BYTES, subDbName, type DbKind } from '../database/index.js'
import { unpackRecords } from '../database/packed.js'
import { connectControl } from '../transport/client.js'
import type { Connection } from '../transport/connection.js'

export type { DbKind }

export interface ConnectOptions {
  /** The daemon's control socket; default CORRAL_SOCKET, else /run/corral/corrald.sock. */
  socket?: string
  /** Time a request to the daemon may take. @default 10 s */
  timeoutMs?: number
}

type Env = import('lmdb').RootDatabase<Buffer, Buffer>
type Sub = import('lmdb').Database<Buffer, Buffer>
const BINARY = { keyEncoding: 'binary', encoding: 'binary' } as const

// Why: one call gives a client bound to the local node: its socket, its PNN and its LMDB environment.
export async function connect (opts: ConnectOptions = {}): Promise<CorralClient> {
  const socket = opts.socket ?? (process.env.CORRAL_SOCKET !== undefined && process.env.CORRAL_SOCKET !== '' ? process.env.CORRAL_SOCKET : '/run/corral/corrald.sock')
  const conn = await connectControl(socket, { timeoutMs: opts.timeoutMs ?? 10_000 })
  const info = await conn.request(DbOpenRequestSchema, {})
  const { open } = await import('lmdb')
  // Writes of volatile records need no fsync (CTDB's volatile databases are not durable either);
  // persistent writes never go through here: they are cluster-wide transactions in the daemon.
  const env = open<Buffer, Buffer>({ path: info.path, noSubdir: false, maxDbs: DB_MAX_DATABASES, noSync: true, ...BINARY })
  return new CorralClient(conn, info.pnn, env)
}

// Strings as UTF-8; Buffers as they are (no copy on the hot path).
function bytes (x: Uint8Array | string): Buffer {
  return typeof x === 'string' ? Buffer.from(x) : Buffer.isBuffer(x) ? x : Buffer.from(x.buffer, x.byteOffset, x.byteLength)
}

export class CorralClient {
  readonly #catalogue: Sub
  constructor (readonly conn: Connection, readonly pnn: number, readonly env: Env) {
    this.#catalogue = env.openDB<Buffer, Buffer>('catalogue', BINARY)
  }

  /** Attach a database on every node (idempotent) and get a handle to it. */
  async attach (name: string, kind: DbKind = 'volatile'): Promise<ClientDb> {
    const r = await this.conn.request(DbAttachRequestSchema, { name, kind })
    const d = r.db!
    return new ClientDb(this, d.id, d.name, d.kind as DbKind, this.env.openDB<Buffer, Buffer>(subDbName(d.id), BINARY))
  }

  /** True while the node is frozen for a recovery (local writes wait for the daemon then). */
  frozen (): boolean { return this.#catalogue.getBinaryFast(FROZEN_KEY) !== undefined }

  /** Close the socket (locks held by this client are released) and the environment. */
  async close (): Promise<void> {
    this.conn.close()
    await this.env.close()
  }
}

/** A record held under fetchLocked: read, write, then unlock (or exit: the daemon releases it). */
export interface LockedRecord {
  readonly data: Buffer | null
  store (value: Uint8Array | string): Promise<void>
  delete (): Promise<void>
  unlock (): Promise<void>
}

export class ClientDb {
  constructor (readonly client: CorralClient, readonly id: number, readonly name: string, readonly kind: DbKind, readonly sub: Sub) {}

  get #db (): string { return `0x${this.id.toString(16)}` }

  // The local copy if this node holds it (volatile) or always (persistent, replicated).
  #local (key: Buffer): { held: boolean, data: Buffer | null } {
    const v = this.sub.get(key)
    if (v === undefined) return { held: this.kind !== 'volatile', data: null }
    if (v.length < HEADER_BYTES) throw new CorralError('CORRAL_E_INTERNAL', `record in ${this.name} is shorter than its header`)
    // lmdb returns a fresh Buffer for a binary get: a view of it is safe to hand out.
    return { held: this.kind !== 'volatile' || v.readUInt32LE(8) === this.client.pnn, data: v.length === HEADER_BYTES ? null : v.subarray(HEADER_BYTES) }
  }

  /** The value, or null. Volatile: migrated here first unless this node holds it. */
  async fetch (key: Uint8Array | string): Promise<Buffer | null> {
    const k = bytes(key)
    const here = this.#local(k)
    if (here.held) return here.data
    const r = await this.client.conn.request(DbFetchRequestSchema, { db: this.#db, key: k })
    return r.found ? Buffer.from(r.record!.data) : null
  }

  /** Write a value. Volatile: straight into LMDB when held here (not frozen); persistent: one transaction. */
  async store (key: Uint8Array | string, value: Uint8Array | string): Promise<void> {
    const k = bytes(key)
    const v = bytes(value)
    if (this.kind === 'volatile' && this.#writeLocal(k, v)) return
    await this.client.conn.request(DbWriteRequestSchema, { db: this.#db, writes: [{ key: k, data: v, delete: false }] })
  }

  /** Delete a record (volatile: an empty record, as CTDB). */
  async delete (key: Uint8Array | string): Promise<void> {
    const k = Buffer.from(key)
    if (this.kind === 'volatile' && this.#writeLocal(k, Buffer.alloc(0))) return
    await this.client.conn.request(DbWriteRequestSchema, { db: this.#db, writes: [{ key: k, data: new Uint8Array(), delete: true }] })
  }

  // One LMDB write transaction: not frozen, and still held here, else the daemon must do it.
  #writeLocal (k: Buffer, v: Buffer): boolean {
    if (k.length === 0) throw new CorralError('CORRAL_E_USAGE', 'a record key cannot be empty')
    return this.client.env.transactionSync(() => {
      if (this.client.frozen()) return false
      // lmdb's shared read buffer (valid until the next read): only the header is looked at and copied.
      const cur = this.sub.getBinaryFast(k)
      if (cur === undefined || cur.length < HEADER_BYTES) return false
      // dmaster sits at bytes 8-11 of CTDB's header; the header (RSN, flags) is kept as it is.
      if (cur.readUInt32LE(8) !== this.client.pnn) return false
      const next = Buffer.allocUnsafe(HEADER_BYTES + v.length)
      cur.copy(next, 0, 0, HEADER_BYTES)
      v.copy(next, HEADER_BYTES)
      this.sub.putSync(k, next)
      return true
    })
  }

  /** Lock a record cluster-wide on this node (migrated here) until unlock() or this client exits. */
  async fetchLocked (key: Uint8Array | string): Promise<LockedRecord> {
    const k = Buffer.from(key)
    const r = await this.client.conn.request(DbLockRequestSchema, { db: this.#db, key: k })
    let open = true
    const done = (): void => { if (!open) throw new CorralError('CORRAL_E_USAGE', 'the record is no longer locked') }
    return {
      data: r.found ? Buffer.from(r.record!.data) : null,
      store: async (value) => { done(); await this.store(k, value) },
      delete: async () => { done(); await this.delete(k) },
      unlock: async () => { done(); open = false; await this.client.conn.request(DbLockRequestSchema, { db: this.#db, key: k, unlock: true }) },
    }
  }

  /** Every record of this node's copy, streamed in batches by the daemon. */
  async * traverse (): AsyncIterable<{ key: Buffer, data: Buffer }> {
    for await (const b of this.client.conn.stream(DbTraverseRequestSchema, { db: this.#db })) {
      for (const r of unpackRecords(b.packed, b.count)) if (r.data.length > 0) yield { key: r.key, data: r.data }
    }
  }

  /** A persistent (or replicated) transaction: reads are local, writes are sent together at commit. */
  transaction (): Transaction {
    if (this.kind === 'volatile') throw new CorralError('CORRAL_E_DB_KIND', `database ${this.name} is volatile: transactions are for persistent and replicated databases`)
    return new Transaction(this)
  }
}

export class Transaction {
  readonly #writes = new Map<string, { key: Buffer, data: Buffer, delete: boolean }>()
  #state: 'open' | 'committed' | 'cancelled' = 'open'
  constructor (readonly db: ClientDb) {}

  #open (): void {
    if (this.#state !== 'open') throw new CorralError('CORRAL_E_USAGE', `the transaction is already ${this.#state}`)
  }

  /** Reads see this transaction's own writes, then the node's copy. */
  async fetch (key: Uint8Array | string): Promise<Buffer | null> {
    this.#open()
    const w = this.#writes.get(Buffer.from(key).toString('latin1'))
    if (w !== undefined) return w.delete ? null : w.data
    return await this.db.fetch(key)
  }

  store (key: Uint8Array | string, value: Uint8Array | string): void {
    this.#open()
    const k = Buffer.from(key)
    this.#writes.set(k.toString('latin1'), { key: k, data: Buffer.from(value), delete: false })
  }

  delete (key: Uint8Array | string): void {
    this.#open()
    const k = Buffer.from(key)
    this.#writes.set(k.toString('latin1'), { key: k, data: Buffer.alloc(0), delete: true })
  }

  /** Commit on every active node; resolves with the database's new sequence number. */
  async commit (): Promise<bigint> {
    this.#open()
    this.#state = 'committed'
    if (this.#writes.size === 0) return 0n
    const r = await this.db.client.conn.request(DbWriteRequestSchema, { db: `0x${this.db.id.toString(16)}`, writes: [...this.#writes.values()] })
    return r.seqnum
  }

  cancel (): void {
    this.#open()
    this.#state = 'cancelled'
    this.#writes.clear()
  }
}
