// The requests behind `corral attach`, `getdbmap`, `readkey`, `pstore`, `ptrans`, `catdb`, ... and
// the database requests between nodes: commits, migrations, and recovery's freeze, pull and push.
import {
  DbAdminRequestSchema, DbAttachRequestSchema, DbCommitRequestSchema, DbDetachRequestSchema, DbFetchRequestSchema, DbMapRequestSchema,
  DbLockRequestSchema, DbMigrateRequestSchema, DbOpenRequestSchema, DbTraverseRequestSchema, DbVacuumRequestSchema, DbWriteRequestSchema, RecDbRequestSchema, RecPullRequestSchema, RecPushRequestSchema,
} from '../../../protocol/gen/corral/v1/database_pb.js'
import * as D from '../../config/defaults.js'
import { CorralError } from '../../errors/index.js'
import { asBuffer, type DbInfo, type DbKind, type PackedBatch } from '../../database/index.js'
import { chunkOfRequest, unpackRecords } from '../../recovery/index.js'
import { handle, type HandlerEntry } from '../../transport/handlers.js'
import type { ClusterNode } from './node.js'

const KINDS: readonly DbKind[] = ['volatile', 'persistent', 'replicated']

function kindOf (k: string): DbKind {
  if (k === '') return 'volatile'
  if (!KINDS.includes(k as DbKind)) throw new CorralError('CORRAL_E_USAGE', `database kind must be one of ${KINDS.join(', ')}, got '${k}'`)
  return k as DbKind
}

const info = (d: DbInfo & { records?: number, seqnum?: bigint }): { id: number, name: string, kind: string, flags: number, records: bigint, seqnum: bigint } =>
  ({ id: d.id, name: d.name, kind: d.kind, flags: d.flags, records: BigInt(d.records ?? 0), seqnum: d.seqnum ?? 0n })

// A database of this node as a stream of packed batches (catdb, client traverse, recovery pull),
// or one chunk of it (a recovery pull: the batches after a key, so many at most).
function packedBatches (node: ClusterNode, dbId: number, chunk: { after?: Uint8Array, maxBatches?: number } = {}): AsyncIterable<PackedBatch> {
  return node.databases.store.traversePacked(dbId, { batchRecords: D.DB_BATCH_RECORDS, ...chunk })
}

// Record locks held per client connection (keyed by the connection's close signal).
const heldLocks = new WeakMap<AbortSignal, Map<string, () => void>>()
function locksOf (signal: AbortSignal): Map<string, () => void> {
  let m = heldLocks.get(signal)
  if (m === undefined) { m = new Map(); heldLocks.set(signal, m) }
  return m
}

// Why: served on the control socket and (through -n and the leader's commits) on the links.
export function dbControlHandlers (node: ClusterNode): HandlerEntry[] {
  const dbs = node.databases
  return [
    handle(DbAttachRequestSchema, async r => {
      const kind = kindOf(r.kind)
      const d = dbs.store.attach(r.name, kind)
      if (!r.localOnly) {
        await Promise.all(node.connectedLinks().map(async out => {
          await out.request(DbAttachRequestSchema, { name: r.name, kind, localOnly: true }, { timeoutMs: D.FORWARD_TIMEOUT_MS })
        }))
      }
      return { db: info(d) }
    }),
    handle(DbDetachRequestSchema, async r => {
      dbs.store.detach(r.name)
      if (!r.localOnly) {
        await Promise.all(node.connectedLinks().map(async out => {
          await out.request(DbDetachRequestSchema, { name: r.name, localOnly: true }, { timeoutMs: D.FORWARD_TIMEOUT_MS }).catch(() => undefined)
        }))
      }
      return {}
    }),
    handle(DbMapRequestSchema, () => ({ dbs: dbs.map().map(info) })),
    handle(DbFetchRequestSchema, async r => {
      const rec = await dbs.fetch(dbs.resolve(r.db), r.key, r.localOnly)
      if (rec === undefined || rec.data.length === 0) return { found: false }
      return { found: true, record: { key: rec.key, rsn: rec.header.rsn, dmaster: rec.header.dmaster, flags: rec.header.flags, data: rec.data } }
    }),
    handle(DbWriteRequestSchema, async r => ({ seqnum: await dbs.write(dbs.resolve(r.db), r.writes) })),
    handle(DbOpenRequestSchema, () => ({ pnn: node.pnn, path: dbs.store.path })),
    handle(DbLockRequestSchema, async (r, ctx) => {
      const d = dbs.resolve(r.db)
      const k = `${d.id}:${Buffer.from(r.key).toString('latin1')}`
      const mine = locksOf(ctx.signal)
      if (r.unlock) {
        const release = mine.get(k)
        if (release === undefined) throw new CorralError('CORRAL_E_USAGE', `this client holds no lock on that record of ${d.name}`)
        mine.delete(k)
        release()
        return { found: false }
      }
      if (mine.has(k)) throw new CorralError('CORRAL_E_USAGE', `this client already holds the lock on that record of ${d.name}`)
      const { record, release } = await dbs.lock(d, r.key, ctx.signal)
      mine.set(k, release)
      if (record === undefined || record.data.length === 0) return { found: false }
      return { found: true, record: { key: record.key, rsn: record.header.rsn, dmaster: record.header.dmaster, flags: record.header.flags, data: record.data } }
    }),
    handle(DbTraverseRequestSchema, r => {
      const d = dbs.resolve(r.db)
      return packedBatches(node, d.id)
    }),
    handle(DbAdminRequestSchema, async r => {
      switch (r.op) {
        case 'status': { const d = dbs.resolve(r.db); return { db: info({ ...d, records: dbs.store.count(d.id), seqnum: d.kind === 'volatile' ? 0n : dbs.store.seqnum(d.id) }) } }
        case 'seqnum': { const d = dbs.resolve(r.db); return { db: info({ ...d, seqnum: dbs.store.seqnum(d.id) }) } }
        case 'wipe': { const d = dbs.resolve(r.db); await dbs.whenThawed(); await dbs.store.wipe(d.id); return { db: info(d) } }
        case 'backup': { const d = dbs.resolve(r.db); return { db: info(d), count: BigInt(await dbs.store.backup(d.id, r.file)) } }
        case 'restore': { await dbs.whenThawed(); const d = await dbs.store.restore(r.file, r.db === '' ? undefined : r.db); return { db: info({ ...d, records: dbs.store.count(d.id) }), count: BigInt(dbs.store.count(d.id)) } }
        default: throw new CorralError('CORRAL_E_USAGE', `unknown database operation ${r.op}`)
      }
    }),
  ]
}

// Why: node links only: commits, migrations, and the recovery steps, each fenced by the generation.
export function dbPeerHandlers (node: ClusterNode): HandlerEntry[] {
  const dbs = node.databases
  const fence = (generation: number): void => {
    if (dbs.frozen !== generation) throw new CorralError('CORRAL_E_STALE_GENERATION', `recovery step of generation ${generation}, but this node is ${dbs.frozen === null ? 'not frozen' : `frozen for ${dbs.frozen}`}`)
  }
  return [
    handle(DbCommitRequestSchema, async r => {
      await dbs.apply(r.dbId, r.seqnum, r.writes.map(w => ({ key: w.key, data: w.delete ? null : w.data })), r.generation)
      return {}
    }),
    handle(DbMigrateRequestSchema, async r => await dbs.migrate(r.dbId, r.key, r.to, r.generation, r.forwarded)),
    handle(DbVacuumRequestSchema, r => ({ deleted: dbs.vacuumPeer(r.dbId, unpackRecords(r.packed, r.count), r.generation) })),
    handle(RecDbRequestSchema, async r => {
      fence(r.generation)
      if (r.op === 'list') return { dbs: dbs.map().map(info) }
      if (r.op !== 'digest') throw new CorralError('CORRAL_E_USAGE', `unknown recovery operation ${r.op}`)
      const digests = await Promise.all(r.digestIds.map(async id => {
        if (dbs.store.byId(id) === undefined) throw new CorralError('CORRAL_E_DB_UNKNOWN', `database 0x${id.toString(16)} is not attached on node ${node.pnn}`)
        const d = await dbs.store.digest(id)
        return { id, digest: d.digest, records: BigInt(d.records) }
      }))
      return { dbs: [], digests }
    }),
    handle(RecPullRequestSchema, r => {
      fence(r.generation)
      if (dbs.store.byId(r.dbId) === undefined) throw new CorralError('CORRAL_E_DB_UNKNOWN', `database 0x${r.dbId.toString(16)} is not attached on node ${node.pnn}`)
      return packedBatches(node, r.dbId, chunkOfRequest(r))
    }),
    handle(RecPushRequestSchema, async r => {
      fence(r.generation)
      const n = await dbs.pushBatch({ dbId: r.dbId, generation: r.generation, name: r.name, kind: kindOf(r.kind) }, { packed: asBuffer(r.packed), count: r.count }, r.last, r.seqnum, r.total)
      return { received: BigInt(n) }
    }),
  ]
}
