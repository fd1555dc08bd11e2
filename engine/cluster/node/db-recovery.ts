// The leader's database recovery, wired to the node links: list, pull (streamed) and push (packed
// batches) for every database, this node included, through engine/recovery's transport-free core.
import { RecDbRequestSchema, RecPullRequestSchema, RecPushRequestSchema } from '../../../protocol/gen/corral/v1/database_pb.js'
import * as D from '../../config/defaults.js'
import { asBuffer, type DbKind, type PackedBatch } from '../../database/index.js'
import { chunkedPull, recoverDatabases, type RecoveryProgress } from '../../recovery/index.js'
import type { Connection } from '../../transport/connection.js'
import type { ClusterNode } from './node.js'

// Why: called by the leader between the start and end phases, while every active node is frozen.
export async function recoverNodeDatabases (node: ClusterNode, gen: number, set: number[], onProgress: (p: RecoveryProgress) => void): Promise<{ count: number, records: number }> {
  const dbs = node.databases
  const timeoutMs = D.RECOVERY_PHASE_TIMEOUT_MS
  const t0 = Date.now()
  const res = await recoverDatabases({
    leader: node.pnn,
    generation: gen,
    nodes: set,
    batchRecords: D.DB_BATCH_RECORDS,
    attempts: D.DB_RECOVERY_ATTEMPTS,
    onProgress,
    listDbs: async p => p === node.pnn
      ? dbs.map()
      : (await node.linkTo(p).request(RecDbRequestSchema, { op: 'list', generation: gen }, { timeoutMs })).dbs.map(d => ({ id: d.id, name: d.name, kind: d.kind as DbKind, flags: d.flags, seqnum: d.seqnum })),
    digest: async (p, dbId) => p === node.pnn
      ? (await dbs.store.digest(dbId)).digest.toString('hex')
      : Buffer.from((await node.linkTo(p).request(RecDbRequestSchema, { op: 'digest', generation: gen, digestIds: [dbId] }, { timeoutMs })).digests.find(x => x.id === dbId)?.digest ?? []).toString('hex'),
    pull: (p, dbId) => p === node.pnn ? dbs.store.traversePacked(dbId, { batchRecords: D.DB_BATCH_RECORDS }) : pullOverLink(node.linkTo(p), dbId, gen, timeoutMs),
    pushBatch: async (p, db, batch, last, seqnum, total) => {
      if (p === node.pnn) { await dbs.pushBatch({ dbId: db.id, generation: gen, name: db.name, kind: db.kind }, batch, last, seqnum, total); return }
      await node.linkTo(p).request(RecPushRequestSchema, { dbId: db.id, generation: gen, name: db.name, kind: db.kind, packed: batch.packed, count: batch.count, last, seqnum, total: BigInt(total) }, { timeoutMs })
    },
  })
  const records = res.reduce((n, r) => n + r.records, 0)
  const identical = res.reduce((n, r) => n + r.identical.length, 0)
  if (res.length > 0) node.log.notice({ generation: gen, dbs: res.map(r => ({ name: r.db.name, records: r.records, ms: r.ms, source: r.source, identical: r.identical })) }, `recovered ${res.length} database(s), ${records} records in ${Date.now() - t0} ms${identical > 0 ? ` (${identical} push(es) skipped: the node already held the same copy)` : ''}`)
  return { count: res.length, records }
}

// Why: the leader's pull of a peer's database over their link, in chunks of packed batches (passed
// on as they are); tests give a smaller chunk to see it against a small stream buffer.
export function pullOverLink (conn: Connection, dbId: number, generation: number, timeoutMs: number, chunkBatches: number = D.DB_PULL_CHUNK_BATCHES): AsyncIterable<PackedBatch> {
  return chunkedPull(async function * (after, maxBatches) {
    for await (const b of conn.stream(RecPullRequestSchema, { dbId, generation, afterKey: after, maxBatches }, { timeoutMs })) yield { packed: asBuffer(b.packed), count: b.count }
  }, chunkBatches)
}
