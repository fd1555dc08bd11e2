// The last step of a recovery push: the staged content replaces the live database in one LMDB
// write transaction. With a million records that copy takes seconds, so it runs in a worker thread
// with its own handle on the same environment (LMDB is made for that): the daemon's event loop,
// where heartbeats and the cluster lock live, never waits for it.
import { createRequire } from 'node:module'
import { Worker } from 'node:worker_threads'
import { CorralError } from '../errors/index.js'

const require = createRequire(import.meta.url)

// Plain JavaScript run by the worker (eval: no TypeScript loader needed in tests or in dist/).
const WORKER = `
const { parentPort, workerData: w } = require('node:worker_threads')
const { open } = require(w.lmdb)
const env = open({ path: w.path, noSubdir: false, maxDbs: w.maxDbs, keyEncoding: 'binary', encoding: 'binary', ...(w.mapSize ? { mapSize: w.mapSize } : {}) })
const opts = { keyEncoding: 'binary', encoding: 'binary' }
const live = env.openDB(w.live, opts)
const stage = env.openDB(w.stage, opts)
try {
  let n = 0
  env.transactionSync(() => {
    live.clearSync()
    for (const { key, value } of stage.getRange({})) { live.putSync(key, value); n++ }
    if (w.seqnumKey !== null) live.putSync(Buffer.from(w.seqnumKey), Buffer.from(w.seqnumValue))
    stage.clearSync()
  })
  env.close().then(() => parentPort.postMessage({ ok: true, n }))
} catch (err) {
  parentPort.postMessage({ ok: false, error: String(err && err.message || err) })
}
`

export interface SwapJob {
  path: string
  maxDbs: number
  mapSize?: number
  live: string
  stage: string
  /** Key and full value (header + 8 bytes) of the sequence number record, or null for none. */
  seqnum: { key: Uint8Array, value: Uint8Array } | null
}

// Why: replaceAll's atomic copy, off the event loop; resolves with the records copied.
export async function swapInWorker (job: SwapJob): Promise<number> {
  const w = new Worker(WORKER, {
    eval: true,
    workerData: { lmdb: require.resolve('lmdb'), path: job.path, maxDbs: job.maxDbs, mapSize: job.mapSize, live: job.live, stage: job.stage, seqnumKey: job.seqnum === null ? null : [...job.seqnum.key], seqnumValue: job.seqnum === null ? null : [...job.seqnum.value] },
  })
  return await new Promise<number>((resolve, reject) => {
    let done = false
    w.once('message', (m: { ok: boolean, n?: number, error?: string }) => {
      done = true
      if (m.ok) resolve(m.n ?? 0)
      else reject(new CorralError('CORRAL_E_INTERNAL', `database swap of ${job.live} failed: ${m.error ?? 'unknown'}`))
    })
    w.once('error', err => { done = true; reject(new CorralError('CORRAL_E_INTERNAL', `database swap worker for ${job.live} failed: ${err.message}`, { cause: err })) })
    w.once('exit', code => { if (!done) reject(new CorralError('CORRAL_E_INTERNAL', `database swap worker for ${job.live} exited with ${code} before it finished`)) })
  })
}
