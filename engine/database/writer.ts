// The store's bulk writer: ONE worker thread per store, started on first use and kept, that writes
// recovery pushes and restores, and reads databases through for digests and traverses. Packed batches
// (engine/database/packed.ts) are staged as they arrive, in memory up to DB_STAGE_MEMORY_BYTES and
// in a staging file beyond; the swap then replaces the live content with the staged records in a
// single transaction, writing each record once. The daemon's event loop, where heartbeats and the
// cluster lock live, never spends time per record, and no thread is started per push (starting one
// costs ~90 ms; four at once ~300 ms).
import { createRequire } from 'node:module'
import { Worker } from 'node:worker_threads'
import { DB_STAGE_MEMORY_BYTES, DB_WRITER_NICE } from '../config/defaults.js'
import { CorralError } from '../errors/index.js'

const require = createRequire(import.meta.url)

// Plain JavaScript run by the worker (eval: no TypeScript loader needed in tests or in dist/).
// Batches arrive checked (checkPacked on the sending side).
const WORKER = `
const { parentPort, workerData: w } = require('node:worker_threads')
const { open } = require(w.lmdb)
// Bulk work yields the CPU to the daemon's own thread (heartbeats, the cluster lock): this thread
// only is niced (Linux: setpriority on a thread id applies to that thread).
try { require('node:os').setPriority(Number(require('node:fs').readlinkSync('/proc/thread-self').split('/').pop()), w.nice) } catch {}
const env = open({ path: w.path, maxDbs: w.maxDbs, keyEncoding: 'binary', encoding: 'binary', ...(w.mapSize ? { mapSize: w.mapSize } : {}) })
const opts = { keyEncoding: 'binary', encoding: 'binary' }
const handles = new Map()
const db = name => { let h = handles.get(name); if (!h) { h = env.openDB(name, opts); handles.set(name, h) } return h }
// A push is staged as it arrives, nothing of it in LMDB until the swap: in memory while all the
// pushes staged at once fit in w.stageMemory bytes, else (from that batch on) in a flat file beside
// the environment (each batch: u32 length, then the packed batch). A crash before the swap leaves
// at most the file, which the next open deletes.
const fs = require('node:fs')
const stages = new Map()
let stagedInMemory = 0
function stage (m) {
  let s = stages.get(m.file)
  if (s === undefined) { s = { mem: [], bytes: 0, fd: null, spilled: false }; stages.set(m.file, s) }
  const buf = Buffer.from(m.buf.buffer, m.buf.byteOffset, m.buf.byteLength)
  if (!s.spilled && stagedInMemory + buf.length <= w.stageMemory) {
    s.mem.push(buf); s.bytes += buf.length; stagedInMemory += buf.length
    return 0
  }
  if (!s.spilled) {
    s.fd = fs.openSync(m.file, 'w')
    s.spilled = true
    for (const b of s.mem) writeBatch(s.fd, b)
    stagedInMemory -= s.bytes; s.mem = []; s.bytes = 0
  }
  writeBatch(s.fd, buf)
  return 0
}
function writeBatch (fd, buf) {
  const len = Buffer.allocUnsafe(4)
  len.writeUInt32LE(buf.length, 0)
  fs.writeSync(fd, len)
  fs.writeSync(fd, buf)
}
// Forget a stage: its memory, its file.
function drop (file) {
  const s = stages.get(file)
  stages.delete(file)
  if (s !== undefined) {
    stagedInMemory -= s.bytes
    if (s.fd !== null) fs.closeSync(s.fd)
  }
  fs.rmSync(file, { force: true })
}
function clear (m) {
  drop(m.file)
  return 0
}
// The staged batches in order, one at a time: memory stays at a batch whatever the size of the push.
function * stagedBatches (file, s) {
  if (s === undefined) return
  if (!s.spilled) { yield * s.mem; return }
  const rfd = fs.openSync(file, 'r')
  try {
    const head = Buffer.allocUnsafe(4)
    let pos = 0
    while (fs.readSync(rfd, head, 0, 4, pos) === 4) {
      const blen = head.readUInt32LE(0)
      const b = Buffer.allocUnsafe(blen)
      if (fs.readSync(rfd, b, 0, blen, pos + 4) !== blen) throw new Error('staging file ' + file + ' ends inside a batch')
      pos += 4 + blen
      yield b
    }
  } finally {
    fs.closeSync(rfd)
  }
}
// The staged records replace the live content in ONE write transaction: each record written once,
// appended while keys come in ascending order (traverses and merges send them so), else a plain
// put (a later copy of a key wins). The stage is gone afterwards, whether the swap worked or not.
function swap (m) {
  const live = db(m.live)
  const s = stages.get(m.file)
  // A file is closed for writing; the reader below opens it again.
  if (s !== undefined && s.fd !== null) { fs.closeSync(s.fd); s.fd = null }
  let n = 0
  try {
    env.transactionSync(() => {
      live.clearSync()
      let prev
      for (const b of stagedBatches(m.file, s)) {
        let o = 0
        while (o < b.length) {
          const kl = b.readUInt32LE(o); o += 4
          const key = b.subarray(o, o + kl); o += kl
          const vl = b.readUInt32LE(o); o += 4
          const value = b.subarray(o, o + vl); o += vl
          const ascending = prev === undefined || Buffer.compare(key, prev) > 0
          live.putSync(key, value, ascending ? APPEND : undefined)
          if (ascending) prev = key
          n++
        }
      }
      if (m.seqnumKey !== null) live.putSync(Buffer.from(m.seqnumKey), Buffer.from(m.seqnumValue))
    })
  } finally {
    drop(m.file)
  }
  return n
}
const APPEND = { append: true }
// Reads for a traverse off the daemon's loop (recovery pulls, catdb, client traverses): one read
// transaction per traverse, from the latest commit at its open, packed batch by batch (as
// packed.ts lays them out) into buffers of their own that move to the daemon's thread uncopied.
// Values are read through a second handle whose decoder copies lmdb's shared read buffer into
// one scratch buffer: no Buffer (and no ArrayBuffer) per value.
const traverses = new Map()
let scratch = Buffer.allocUnsafe(64 * 1024)
const valueCopier = {
  encode: v => v,
  decode (bytes, size) {
    if (size > scratch.length) scratch = Buffer.allocUnsafe(Math.max(size, scratch.length * 2))
    scratch.set(new Uint8Array(bytes.buffer, bytes.byteOffset, size), 0)
    return size
  },
}
const readHandles = new Map()
const readHandle = name => { let h = readHandles.get(name); if (!h) { h = env.openDB(name, { keyEncoding: 'binary', encoder: valueCopier }); readHandles.set(name, h) } return h }
// A digest of a database's content, off the daemon's loop: u32 lengths, key and value of every
// record in key order, in 64 KiB chunks through SHA-256; the sequence number record left out.
// Values come through the copying handle, as a traverse's do.
function digest (m) {
  const { createHash } = require('node:crypto')
  const h = createHash('sha256')
  const buf = Buffer.allocUnsafe(64 * 1024)
  let o = 0
  let n = 0
  const skip = Buffer.from(m.skipKey)
  const put = b => {
    if (o + b.length > buf.length) { h.update(buf.subarray(0, o)); o = 0 }
    if (b.length > buf.length) { h.update(b); return }
    b.copy(buf, o); o += b.length
  }
  const len = Buffer.allocUnsafe(4)
  // This thread's read snapshot may predate the daemon's last commit: read the latest.
  env.resetReadTxn()
  for (const { key, value: vl } of readHandle(m.live).getRange({ snapshot: true })) {
    if (key.equals(skip)) continue
    len.writeUInt32LE(key.length, 0); put(len); put(key)
    len.writeUInt32LE(vl, 0); put(len); put(scratch.subarray(0, vl))
    n++
  }
  h.update(buf.subarray(0, o))
  return { n, digest: h.digest() }
}
function readOpen (m) {
  env.resetReadTxn()
  traverses.set(m.trav, { db: readHandle(m.live), txn: env.useReadTransaction(), after: m.after ? Buffer.from(m.after) : undefined, skip: Buffer.from(m.skipKey), dropEmpty: m.dropEmpty, headerBytes: m.headerBytes, out: Buffer.allocUnsafe(256 * 1024) })
  return { n: 0 }
}
function read (m) {
  const t = traverses.get(m.trav)
  if (t === undefined) throw new Error('no traverse ' + m.trav + ' is open')
  let n = 0
  let o = 0
  for (const { key, value: vl } of t.db.getRange({ transaction: t.txn, start: t.after, exclusiveStart: t.after !== undefined })) {
    t.after = key
    if (key.equals(t.skip) || (t.dropEmpty && vl === t.headerBytes)) continue
    const need = o + 8 + key.length + vl
    if (need > t.out.length) { const more = Buffer.allocUnsafe(Math.max(need, t.out.length * 2)); t.out.copy(more, 0, 0, o); t.out = more }
    t.out.writeUInt32LE(key.length, o); o += 4
    t.out.set(key, o); o += key.length
    t.out.writeUInt32LE(vl, o); o += 4
    scratch.copy(t.out, o, 0, vl); o += vl
    n++
    if (n >= m.batchRecords || o >= m.maxBytes) break
  }
  const packed = new Uint8Array(o)
  packed.set(t.out.subarray(0, o))
  return { n, packed, transfer: [packed.buffer] }
}
function readClose (m) {
  const t = traverses.get(m.trav)
  traverses.delete(m.trav)
  if (t !== undefined) t.txn.done()
  return { n: 0 }
}
const JOBS = { stage: m => ({ n: stage(m) }), clear: m => ({ n: clear(m) }), swap: m => ({ n: swap(m) }), digest, readOpen, read, readClose }
// Jobs run one after the other, in the order they came (a swap after the stages it follows).
let queue = Promise.resolve()
parentPort.on('message', m => {
  queue = queue.then(async () => {
    if (m.op === 'close') { await env.close(); parentPort.postMessage({ id: m.id, ok: true, n: 0 }); return }
    try {
      const { transfer, ...r } = JOBS[m.op](m)
      parentPort.postMessage({ id: m.id, ok: true, ...r }, transfer)
    } catch (err) {
      parentPort.postMessage({ id: m.id, ok: false, error: String(err && err.message || err) })
    }
  })
})
`

export interface WriterOptions {
  path: string
  maxDbs: number
  mapSize?: number
  /** Bytes of pushes staged in memory at once before a push spills to its file (tests set it low). */
  stageMemoryBytes?: number
}

type Job = { op: 'stage', file: string, buf: Uint8Array } | { op: 'clear', file: string } | { op: 'digest', live: string, skipKey: Uint8Array } |
  { op: 'swap', live: string, file: string, seqnumKey: number[] | null, seqnumValue: number[] | null } |
  { op: 'readOpen', trav: number, live: string, skipKey: Uint8Array, dropEmpty: boolean, headerBytes: number, after: Uint8Array | null } |
  { op: 'read', trav: number, batchRecords: number, maxBytes: number } | { op: 'readClose', trav: number }

/**
 * How a traverse off the daemon's loop reads: the sub-db, the key it leaves out, batch limits, and
 * for a chunk of a longer traverse the key it starts after and how many batches it reads at most.
 */
export interface ReadOptions { live: string, skipKey: Uint8Array, dropEmpty: boolean, headerBytes: number, batchRecords: number, maxBytes: number, after?: Uint8Array, maxBatches?: number }

/** What a job answers: records written or read, and for a digest the digest. */
interface Reply { n: number, digest?: Uint8Array, packed?: Uint8Array }
interface Pending { resolve: (r: Reply) => void, reject: (err: Error) => void, what: string }

/** The bulk writer of one store (see the file comment). */
export class StoreWriter {
  #worker: Worker | null = null
  #nextId = 1
  #nextTrav = 1
  readonly #pending = new Map<number, Pending>()
  #closed = false

  constructor (readonly opts: WriterOptions) {}

  /** Append one packed batch to the staging file `file` (removed first by clear()). */
  async stage (file: string, packed: Uint8Array): Promise<void> {
    // A batch is usually a view into a larger received buffer, which postMessage would clone
    // whole: one exact copy, moved to the thread instead of cloned.
    const own = new Uint8Array(packed.length)
    own.set(packed)
    await this.#call({ op: 'stage', file, buf: own }, `staging into ${file}`, [own.buffer])
  }

  /** Remove a staging file (before a push, and after a failed one). */
  async clear (file: string): Promise<void> {
    await this.#call({ op: 'clear', file }, `clearing ${file}`)
  }

  /** Replace `live` with the staged records in one transaction, with this sequence number record; returns the records written. */
  async swap (live: string, file: string, seqnum: { key: Uint8Array, value: Uint8Array } | null): Promise<number> {
    return (await this.#call({ op: 'swap', live, file, seqnumKey: seqnum === null ? null : [...seqnum.key], seqnumValue: seqnum === null ? null : [...seqnum.value] }, `swapping ${file} into ${live}`)).n
  }

  /** A SHA-256 digest of `live`'s records in key order (without `skipKey`), and how many there are. */
  async digest (live: string, skipKey: Uint8Array): Promise<{ digest: Buffer, records: number }> {
    const r = await this.#call({ op: 'digest', live, skipKey }, `digest of ${live}`)
    return { digest: Buffer.from(r.digest ?? new Uint8Array()), records: r.n }
  }

  /**
   * A database's records in key order, packed, read by the thread from one snapshot (the latest
   * commit when it starts); the next batch is read while the caller handles this one.
   */
  async * read (o: ReadOptions): AsyncGenerator<{ packed: Buffer, count: number }> {
    const trav = this.#nextTrav++
    await this.#call({ op: 'readOpen', trav, live: o.live, skipKey: o.skipKey, dropEmpty: o.dropEmpty, headerBytes: o.headerBytes, after: o.after ?? null }, `opening a traverse of ${o.live}`)
    // The last batch of a chunk is not read ahead of (nothing is read that is not sent).
    let left = o.maxBatches ?? Number.POSITIVE_INFINITY
    const next = (): Promise<Reply> => this.#call({ op: 'read', trav, batchRecords: o.batchRecords, maxBytes: o.maxBytes }, `reading ${o.live}`)
    let ahead: Promise<Reply> | null = next()
    try {
      while (ahead !== null) {
        const r: Reply = await ahead
        ahead = null
        if (r.n === 0) return
        if (--left > 0) { ahead = next(); ahead.catch(() => undefined) }
        const p = r.packed ?? new Uint8Array()
        yield { packed: Buffer.from(p.buffer, p.byteOffset, p.byteLength), count: r.n }
      }
    } finally {
      if (ahead !== null) await ahead.catch(() => undefined)
      if (!this.#closed) await this.#call({ op: 'readClose', trav }, `closing a traverse of ${o.live}`).catch(() => undefined)
    }
  }

  /** Start the thread now (it is otherwise started by the first job). */
  start (): void {
    if (!this.#closed) this.#start()
  }

  /** Stop the worker after its queued jobs (the store is closing). */
  async close (): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    const w = this.#worker
    if (w === null) return
    const id = this.#nextId++
    await new Promise<void>(resolve => {
      this.#pending.set(id, { resolve: () => resolve(), reject: () => resolve(), what: 'closing' })
      w.ref()
      w.postMessage({ op: 'close', id })
    })
    await w.terminate()
    this.#worker = null
  }

  #call (job: Job, what: string, transfer: ArrayBuffer[] = []): Promise<Reply> {
    if (this.#closed) return Promise.reject(new CorralError('CORRAL_E_INTERNAL', `database writer of ${this.opts.path} is closed (${what})`))
    const w = this.#start()
    const id = this.#nextId++
    return new Promise<Reply>((resolve, reject) => {
      this.#pending.set(id, { resolve, reject, what })
      // Referenced while it has work, so a process awaiting only this job does not exit under it.
      w.ref()
      w.postMessage({ ...job, id }, transfer)
    })
  }

  #start (): Worker {
    if (this.#worker !== null) return this.#worker
    const w = new Worker(WORKER, {
      eval: true,
      workerData: { lmdb: require.resolve('lmdb'), path: this.opts.path, maxDbs: this.opts.maxDbs, mapSize: this.opts.mapSize, nice: DB_WRITER_NICE, stageMemory: this.opts.stageMemoryBytes ?? DB_STAGE_MEMORY_BYTES },
    })
    // An idle writer does not keep a process alive (a CLI or test that forgets close()).
    w.on('message', (m: { id: number, ok: boolean, n?: number, digest?: Uint8Array, packed?: Uint8Array, error?: string }) => {
      const p = this.#pending.get(m.id)
      if (p === undefined) return
      this.#pending.delete(m.id)
      if (this.#pending.size === 0) w.unref()
      if (m.ok) p.resolve({ n: m.n ?? 0, digest: m.digest, packed: m.packed })
      else p.reject(new CorralError('CORRAL_E_INTERNAL', `database ${p.what} failed: ${m.error ?? 'unknown'}`))
    })
    const fail = (why: string): void => {
      if (this.#worker === w) this.#worker = null
      for (const [id, p] of this.#pending) {
        this.#pending.delete(id)
        p.reject(new CorralError('CORRAL_E_INTERNAL', `database writer of ${this.opts.path} ${why} (${p.what})`))
      }
    }
    w.on('error', err => { fail(`failed: ${err.message}`) })
    w.on('exit', code => { fail(`exited with ${code}`) })
    this.#worker = w
    // Idle until its first job: an idle writer does not keep a process alive.
    w.unref()
    return w
  }
}
