import t, { type Test } from 'tap'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { EchoSchema } from '../../protocol/gen/corral/v1/common_pb.js'
import { RecPullRequestSchema } from '../../protocol/gen/corral/v1/database_pb.js'
import { LocalStore, packRecords, unpackRecords, type PackedBatch, type StoredRecord } from '../../engine/database/index.js'
import { chunkedPull, chunkOfRequest, type PullChunk } from '../../engine/recovery/index.js'
import { pullOverLink } from '../../engine/cluster/node/db-recovery.js'
import { connectControl, handle, type Connection } from '../../engine/transport/index.js'
import { startServer } from '../transport/fixtures/helpers.js'

const key = (i: number): Buffer => Buffer.from(`k${String(i).padStart(4, '0')}`)
const rec = (i: number): StoredRecord => ({ key: key(i), header: { rsn: 1n, dmaster: 0, flags: 0 }, data: Buffer.from(`v${i}`) })
const keysOf = (bs: PackedBatch[]): string[] => bs.flatMap(b => unpackRecords(b.packed, b.count)).map(r => r.key.toString())
const want = (n: number): string[] => Array.from({ length: n }, (_, i) => key(i).toString())

async function collect (it: AsyncIterable<PackedBatch>): Promise<PackedBatch[]> {
  const out: PackedBatch[] = []
  for await (const b of it) out.push(b)
  return out
}

// A peer holding n records in batches of `per`: a chunk starts after the key and stops at max
// batches, as a node does; `ignoresChunks` is an older node that always sends everything.
function peer (n: number, per: number, opts: { ignoresChunks?: boolean } = {}): { chunk: PullChunk, asked: Array<{ after: string | undefined, max: number }> } {
  const asked: Array<{ after: string | undefined, max: number }> = []
  const all = Array.from({ length: n }, (_, i) => rec(i))
  return {
    asked,
    chunk: async function * (after, max) {
      asked.push({ after: after?.toString(), max })
      const from = opts.ignoresChunks === true || after === undefined ? all : all.filter(r => Buffer.compare(r.key, after) > 0)
      let sent = 0
      for (let i = 0; i < from.length; i += per) {
        if (opts.ignoresChunks !== true && sent === max) return
        const recs = from.slice(i, i + per)
        yield { packed: packRecords(recs), count: recs.length }
        sent++
      }
    },
  }
}

t.test('a chunked pull asks again after the last key it got until a chunk comes back short', async t => {
  const p = peer(20, 4)
  const got = await collect(chunkedPull(p.chunk, 2))
  t.same(keysOf(got), want(20), 'every record once, in key order')
  t.same(p.asked, [{ after: undefined, max: 2 }, { after: 'k0007', max: 2 }, { after: 'k0015', max: 2 }], 'three chunks; the third has one batch and a short one ends the pull')
})

t.test('a database that fills its last chunk exactly ends with an empty chunk', async t => {
  const p = peer(16, 4)
  t.same(keysOf(await collect(chunkedPull(p.chunk, 2))), want(16))
  t.equal(p.asked.length, 3)
  t.same(p.asked[2], { after: 'k0015', max: 2 })
  const empty = peer(0, 4)
  t.same(await collect(chunkedPull(empty.chunk, 2)), [], 'an empty database is one empty chunk')
  t.equal(empty.asked.length, 1)
})

t.test('a peer that ignores the chunk fields sends everything once: more batches than asked, or an exact fit followed by a restart, end the pull', async t => {
  const more = peer(23, 4, { ignoresChunks: true })
  t.same(keysOf(await collect(chunkedPull(more.chunk, 2))), want(23), 'six batches for a chunk of two: all of them, no second request')
  t.equal(more.asked.length, 1)
  const exact = peer(8, 4, { ignoresChunks: true })
  t.same(keysOf(await collect(chunkedPull(exact.chunk, 2))), want(8), 'no record twice although the second answer starts again at the first key')
  t.equal(exact.asked.length, 2)
})

t.test('a chunk size that is not a positive integer is a usage error', async t => {
  await t.rejects(collect(chunkedPull(peer(1, 1).chunk, 0)), { code: 'CORRAL_E_USAGE', message: /maxBatches must be a positive integer, got 0/ })
})

// Over a real link: a node's pull handler serving its LMDB store with the request's chunk fields
// (as db-handlers does), and a leader whose stream buffer pauses reading at 4 unread batches.
async function link (t: Test, records: number): Promise<{ conn: Connection, dbId: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'corral-pull-'))
  const store = LocalStore.open(join(dir, 'db'), { pnn: 0 })
  t.teardown(async () => { await store.close(); rmSync(dir, { recursive: true, force: true }) })
  const db = store.attach('big.tdb', 'volatile')
  await store.replacePacked(db.id, [{ packed: packRecords(Array.from({ length: records }, (_, i) => rec(i))), count: records }])
  const { socketPath } = await startServer(t, {
    handlers: [handle(RecPullRequestSchema, r => store.traversePacked(r.dbId, { batchRecords: 10, ...chunkOfRequest(r) }))],
  })
  const conn = await connectControl(socketPath, { streamHighWater: 4, timeoutMs: 3000 })
  t.teardown(() => conn.close())
  return { conn, dbId: db.id }
}

t.test('over a link: while a chunked pull waits unread, another reply on the same link still arrives; an unchunked one stops the link', async t => {
  const { conn, dbId } = await link(t, 300)
  const got: PackedBatch[] = []
  // The leader's own pull, in chunks of 2 batches (below the buffer's 4).
  for await (const b of pullOverLink(conn, dbId, 0, 3000, 2)) {
    got.push(b)
    if (got.length === 1) {
      // The leader waits for a push reply on this link before it reads the pull on.
      await new Promise(resolve => setTimeout(resolve, 100))
      t.equal((await conn.request(EchoSchema, { payload: Uint8Array.of(7) }, { timeoutMs: 2000 })).payload[0], 7, 'the reply came while the pull was unread')
    }
  }
  t.same(keysOf(got), want(300), 'then every record, once and in order')
  t.equal(conn.stats.readPauses, 0, 'reading never paused')

  // The same wait on an unchunked pull: its 30 batches fill the buffer and the link stops reading.
  const whole = conn.stream(RecPullRequestSchema, { dbId })
  await whole.next()
  await new Promise(resolve => setTimeout(resolve, 100))
  await t.rejects(conn.request(EchoSchema, { payload: Uint8Array.of(8) }, { timeoutMs: 500 }), { code: 'CORRAL_E_REQUEST_TIMEOUT' }, 'no reply: the link was paused behind the unread stream')
  t.ok(conn.stats.readPauses > 0)
  await whole.return?.()
})
