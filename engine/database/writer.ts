// The store's bulk writer: ONE worker thread per store, started on first use and kept, that writes
// recovery pushes and restores (and reads a database through for its digest). Packed batches (engine/database/packed.ts) go to it as they arrive
// and are written into the database's staging sub-db with lmdb's batched asynchronous puts;
// the swap then replaces the live content with the staged one in a single transaction. The
// daemon's event loop, where heartbeats and the cluster lock live, never spends time per record,
// and no thread is started per push (starting one costs ~90 ms; four at once ~300 ms).
import { createRequire } from 'node:module'
import { Worker } from 'node:worker_threads'
import { DB_WRITER_NICE } from '../config/defaults.js'
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
// lmdb's asynchronous puts: the native write thread batches them into few transactions, much
// cheaper per record than a put per JavaScript call inside one synchronous transaction.
async function stage (m) {
  const s = db(m.stage)
  const b = Buffer.from(m.buf.buffer, m.buf.byteOffset, m.buf.byteLength)
  let n = 0
  let last = null
  let o = 0
  while (o < b.length) {
    const kl = b.readUInt32LE(o); o += 4
    const key = b.subarray(o, o + kl); o += kl
    const vl = b.readUInt32LE(o); o += 4
    last = s.put(key, b.subarray(o, o + vl)); o += vl
    n++
  }
  if (last !== null) await last
  return n
}
function clear (m) {
  env.transactionSync(() => { db(m.stage).clearSync() })
  return 0
}
// A digest of a database's content, off the daemon's loop: u32 lengths, key and value of every
// record in key order, in 64 KiB chunks through SHA-256; the sequence number record left out.
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
  for (const { key, value } of db(m.live).getRange({ snapshot: true })) {
    if (key.equals(skip)) continue
    len.writeUInt32LE(key.length, 0); put(len); put(key)
    len.writeUInt32LE(value.length, 0); put(len); put(value)
    n++
  }
  h.update(buf.subarray(0, o))
  parentPort.postMessage({ id: m.id, ok: true, n, digest: h.digest() })
  return null
}
function swap (m) {
  const live = db(m.live)
  const s = db(m.stage)
  let n = 0
  env.transactionSync(() => {
    live.clearSync()
    for (const { key, value } of s.getRange({})) { live.putSync(key, value, { append: true }); n++ }
    if (m.seqnumKey !== null) live.putSync(Buffer.from(m.seqnumKey), Buffer.from(m.seqnumValue))
    s.clearSync()
  })
  return n
}
// Jobs run one after the other, in the order they came (a swap after the stages it follows).
let queue = Promise.resolve()
parentPort.on('message', m => {
  queue = queue.then(async () => {
    if (m.op === 'close') { await env.close(); parentPort.postMessage({ id: m.id, ok: true, n: 0 }); return }
    try {
      if (m.op === 'digest') { digest(m); return }
      const n = m.op === 'stage' ? await stage(m) : m.op === 'clear' ? clear(m) : swap(m)
      parentPort.postMessage({ id: m.id, ok: true, n })
    } catch (err) {
      parentPort.postMessage({ id: m.id, ok: false, error: String(err && err.message || err) })
    }
  })
})
`

export interface WriterOptions { path: string, maxDbs: number, mapSize?: number }

type Job = { op: 'stage', stage: string, buf: Uint8Array } | { op: 'clear', stage: string } | { op: 'digest', live: string, skipKey: Uint8Array } |
  { op: 'swap', live: string, stage: string, seqnumKey: number[] | null, seqnumValue: number[] | null }

interface Pending { resolve: (n: number, digest?: Uint8Array) => void, reject: (err: Error) => void, what: string }

/** The bulk writer of one store (see the file comment). */
export class StoreWriter {
  #worker: Worker | null = null
  #nextId = 1
  readonly #pending = new Map<number, Pending>()
  #closed = false

  constructor (readonly opts: WriterOptions) {}

  /** Write one packed batch into the staging sub-db `stage` (cleared first by clear()). */
  async stage (stage: string, packed: Uint8Array): Promise<number> {
    return await this.#call({ op: 'stage', stage, buf: packed }, `staging into ${stage}`)
  }

  /** Empty a staging sub-db (before a push, and after a failed one). */
  async clear (stage: string): Promise<void> {
    await this.#call({ op: 'clear', stage }, `clearing ${stage}`)
  }

  /** Replace `live` with `stage` in one transaction, with this sequence number record; returns the records copied. */
  async swap (live: string, stage: string, seqnum: { key: Uint8Array, value: Uint8Array } | null): Promise<number> {
    return await this.#call({ op: 'swap', live, stage, seqnumKey: seqnum === null ? null : [...seqnum.key], seqnumValue: seqnum === null ? null : [...seqnum.value] }, `swapping ${stage} into ${live}`)
  }

  /** A SHA-256 digest of `live`'s records in key order (without `skipKey`), and how many there are. */
  async digest (live: string, skipKey: Uint8Array): Promise<{ digest: Buffer, records: number }> {
    let digest: Uint8Array | undefined
    const records = await this.#call({ op: 'digest', live, skipKey }, `digest of ${live}`, d => { digest = d })
    return { digest: Buffer.from(digest ?? new Uint8Array()), records }
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

  #call (job: Job, what: string, onDigest?: (d: Uint8Array) => void): Promise<number> {
    if (this.#closed) return Promise.reject(new CorralError('CORRAL_E_INTERNAL', `database writer of ${this.opts.path} is closed (${what})`))
    const w = this.#start()
    const id = this.#nextId++
    return new Promise<number>((resolve, reject) => {
      this.#pending.set(id, { resolve: (n, d) => { if (d !== undefined) onDigest?.(d); resolve(n) }, reject, what })
      // Referenced while it has work, so a process awaiting only this job does not exit under it.
      w.ref()
      w.postMessage({ ...job, id })
    })
  }

  #start (): Worker {
    if (this.#worker !== null) return this.#worker
    const w = new Worker(WORKER, {
      eval: true,
      workerData: { lmdb: require.resolve('lmdb'), path: this.opts.path, maxDbs: this.opts.maxDbs, mapSize: this.opts.mapSize, nice: DB_WRITER_NICE },
    })
    // An idle writer does not keep a process alive (a CLI or test that forgets close()).
    w.on('message', (m: { id: number, ok: boolean, n?: number, digest?: Uint8Array, error?: string }) => {
      const p = this.#pending.get(m.id)
      if (p === undefined) return
      this.#pending.delete(m.id)
      if (this.#pending.size === 0) w.unref()
      if (m.ok) p.resolve(m.n ?? 0, m.digest)
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
