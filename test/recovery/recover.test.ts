import t from 'tap'
import { recoverDatabases, RecoveryError, RECORD_FLAG_MIGRATED_WITH_DATA, type RecoveryDeps } from '../../engine/recovery/index.js'
import { dbIdOf, packRecords, unpackRecords, type DbInfo, type DbKind, type PackedBatch, type StoredRecord } from '../../engine/database/index.js'

// A fake cluster for the transport-free recovery: each node has databases with sorted records; pulls
// stream them in small batches, pushes are recorded per node and database.
interface FakeDb { info: DbInfo, seqnum: bigint, records: StoredRecord[] }
interface Push { records: StoredRecord[], last: boolean, seqnum: bigint, total: number }
interface Fake {
  deps: RecoveryDeps
  pulls: Array<{ pnn: number, dbId: number }>
  pushes: Map<string, Push[]>
  pushed (pnn: number, dbId: number): Push[]
}

const KIND_FLAGS: Record<DbKind, number> = { volatile: 0, persistent: 1, replicated: 8 }
const dbInfo = (name: string, kind: DbKind): DbInfo => ({ id: dbIdOf(name), name, kind, flags: KIND_FLAGS[kind] })
const r = (key: string | Buffer, rsn: bigint, dmaster: number, data: string, flags = 0): StoredRecord =>
  ({ key: typeof key === 'string' ? Buffer.from(key) : key, header: { rsn, dmaster, flags }, data: Buffer.from(data) })
const sorted = (recs: StoredRecord[]): StoredRecord[] => [...recs].sort((a, b) => Buffer.compare(a.key, b.key))
// Records as the packed batch pulls yield and pushes receive.
const P = (recs: StoredRecord[]): PackedBatch => ({ packed: packRecords(recs), count: recs.length })
const U = (b: PackedBatch): StoredRecord[] => unpackRecords(b.packed, b.count)
const tick = async (ms = 0): Promise<void> => { await new Promise(resolve => setTimeout(resolve, ms)) }

function fakeCluster (nodes: Map<number, FakeDb[]>, opts: Partial<RecoveryDeps> & { pullBatch?: number } = {}): Fake {
  const pulls: Fake['pulls'] = []
  const pushes = new Map<string, Push[]>()
  const pullBatch = opts.pullBatch ?? 2
  const deps: RecoveryDeps = {
    leader: 1,
    generation: 42,
    nodes: [...nodes.keys()],
    batchRecords: 2,
    attempts: 3,
    async listDbs (pnn) {
      return (nodes.get(pnn) ?? []).map(d => ({ ...d.info, seqnum: d.seqnum }))
    },
    pull (pnn, dbId) {
      pulls.push({ pnn, dbId })
      const db = nodes.get(pnn)?.find(d => d.info.id === dbId)
      if (db === undefined) throw new Error(`node ${pnn} has no database 0x${dbId.toString(16)}`)
      return (async function * () {
        const recs = sorted(db.records)
        for (let i = 0; i < recs.length; i += pullBatch) { await tick(); yield P(recs.slice(i, i + pullBatch)) }
      })()
    },
    async pushBatch (pnn, db, batch, last, seqnum, total) {
      const k = `${pnn}:${db.id}`
      if (!pushes.has(k)) pushes.set(k, [])
      pushes.get(k)!.push({ records: U(batch), last, seqnum, total })
      await tick()
    },
    ...opts,
  }
  return { deps, pulls, pushes, pushed: (pnn, dbId) => pushes.get(`${pnn}:${dbId}`) ?? [] }
}

const allRecords = (ps: Push[]): StoredRecord[] => ps.flatMap(p => p.records)
const view = (recs: StoredRecord[]): Array<[string, string, string, number, number]> =>
  recs.map(x => [x.key.toString('hex'), x.data.toString(), String(x.header.rsn), x.header.dmaster, x.header.flags])

t.test('volatile: three sorted node streams are merged by CTDB\'s RSN rule and pushed to every node', async t => {
  const vol = dbInfo('locking.tdb', 'volatile')
  const LEADER = 1
  const n0 = [
    r('a', 1n, 0, 'a0'), r('b', 5n, 0, 'b0'), r('d', 2n, 0, 'd0'), r('e', 3n, 0, ''), r('h', 2n, LEADER, 'h0'),
    r(Buffer.from([0x00, 0x01]), 1n, 0, 'bin0'), r('B', 1n, 0, 'B0', 0x20000),
  ]
  const n1 = [
    r('a', 3n, 2, 'a1', 0x40000), r('c', 1n, 1, 'c1'), r('d', 2n, 1, 'd1'), r('e', 1n, 1, 'e1'), r('f', 9n, 1, ''), r('h', 2n, 0, 'h1'),
    r(Buffer.from([0xff]), 2n, 1, 'ff1'), r('B', 2n, 1, 'B1'),
  ]
  const n2 = [
    r('b', 4n, 2, 'b2'), r('d', 2n, 2, 'd2'), r('h', 2n, 2, 'h2'), r(Buffer.from([0x00, 0x01]), 1n, 2, 'bin2'), r('z', 0n, 2, 'z2'),
  ]
  const f = fakeCluster(new Map([
    [0, [{ info: vol, seqnum: 0n, records: n0 }]],
    [1, [{ info: vol, seqnum: 0n, records: n1 }]],
    [2, [{ info: vol, seqnum: 0n, records: n2 }]],
  ]), { leader: LEADER })
  const res = await recoverDatabases(f.deps)
  t.equal(res.length, 1)
  t.equal(res[0].db.id, vol.id)
  t.equal(res[0].source, null, 'a volatile database has no single source')

  const out = allRecords(f.pushed(0, vol.id))
  const MIG = RECORD_FLAG_MIGRATED_WITH_DATA
  t.same(view(out), [
    ['0001', 'bin0', '1', LEADER, MIG], // equal RSN, kept copy's dmaster 0 is not the leader: node 0's stays
    ['42', 'B1', '2', LEADER, MIG], // 'B' < 'a': byte order, flags of the winner kept
    ['61', 'a1', '3', LEADER, 0x40000 | MIG], // highest RSN wins; its other flags kept
    ['62', 'b0', '5', LEADER, MIG], // node 0's 5 beats node 2's 4
    ['63', 'c1', '1', LEADER, MIG],
    ['64', 'd0', '2', LEADER, MIG], // a three-way tie: the first copy stays
    // 'e': node 0's empty copy has the highest RSN: the key is deleted, node 1's older data is not revived
    // 'f': only an empty copy: dropped
    ['68', 'h1', '2', LEADER, MIG], // node 0's copy is mastered by the leader: node 1's tie replaces it, then stays against node 2's
    ['7a', 'z2', '0', LEADER, MIG],
    ['ff', 'ff1', '2', LEADER, MIG],
  ], 'winners in key order, data master rewritten to the leader, MIGRATED_WITH_DATA set, empty records dropped')

  for (const p of [0, 1, 2]) {
    const ps = f.pushed(p, vol.id)
    t.same(view(allRecords(ps)), view(out), `node ${p} gets the same merged content`)
    t.ok(ps.every(x => x.records.length <= f.deps.batchRecords), `node ${p}: no batch over batchRecords`)
    t.same(ps.map(x => x.last), [...ps.slice(1).map(() => false), true], `node ${p}: only the final push says last`)
    t.equal(ps[ps.length - 1].total, out.length, `node ${p}: the last push carries the total`)
    t.ok(ps.every(x => x.seqnum === 0n), `node ${p}: volatile pushes carry no sequence number`)
  }
  t.equal(res[0].records, out.length, 'the result counts the merged records')
  t.same(f.pulls.map(x => x.pnn).sort(), [0, 1, 2], 'each node pulled once')
})

t.test('volatile: pulled only from nodes that have the database, pushed to all of them', async t => {
  const vol = dbInfo('brlock.tdb', 'volatile')
  const f = fakeCluster(new Map([
    [0, [{ info: vol, seqnum: 0n, records: [r('k1', 1n, 0, 'x')] }]],
    [1, []],
    [2, [{ info: vol, seqnum: 0n, records: [r('k2', 1n, 2, 'y'), r('k3', 1n, 2, '')] }]],
  ]))
  const res = await recoverDatabases(f.deps)
  t.same(f.pulls.map(x => x.pnn).sort(), [0, 2], 'node 1 lacks it: never pulled')
  for (const p of [0, 1, 2]) t.same(allRecords(f.pushed(p, vol.id)).map(x => x.key.toString()), ['k1', 'k2'], `node ${p} gets k1 and k2`)
  t.equal(res[0].records, 2)
})

t.test('volatile: empty batches in a node\'s stream and an empty database are fine', async t => {
  const vol = dbInfo('empty.tdb', 'volatile')
  const vol2 = dbInfo('gaps.tdb', 'volatile')
  const f = fakeCluster(new Map([
    [0, [{ info: vol, seqnum: 0n, records: [] }, { info: vol2, seqnum: 0n, records: [] }]],
    [1, [{ info: vol, seqnum: 0n, records: [] }, { info: vol2, seqnum: 0n, records: [r('m', 1n, 1, 'm')] }]],
  ]))
  const basePull = f.deps.pull
  f.deps.pull = (pnn, dbId) => {
    if (dbId !== vol2.id || pnn !== 0) return basePull(pnn, dbId)
    f.pulls.push({ pnn, dbId })
    return (async function * () { yield P([]); yield P([r('a', 1n, 0, 'a')]); yield P([]); yield P([]) })()
  }
  const res = await recoverDatabases(f.deps)
  t.equal(res.length, 2)
  for (const p of [0, 1]) {
    t.same(f.pushed(p, vol.id), [{ records: [], last: true, seqnum: 0n, total: 0 }], `node ${p}: an empty database is one empty last push`)
    t.same(allRecords(f.pushed(p, vol2.id)).map(x => x.key.toString()), ['a', 'm'], `node ${p}: empty batches skipped`)
  }
})

t.test('persistent: only the node with the highest sequence number is pulled; every other node is pushed', async t => {
  const pdb = dbInfo('secrets.tdb', 'persistent')
  const content = (tag: string): StoredRecord[] => [r('k1', 3n, 0, `${tag}1`, 0x1), r('k2', 1n, 2, `${tag}2`)]
  const f = fakeCluster(new Map([
    [0, [{ info: pdb, seqnum: 5n, records: content('old') }]],
    [1, [{ info: pdb, seqnum: 9n, records: content('new1') }]],
    [2, [{ info: pdb, seqnum: 9n, records: content('new2') }]],
    [3, []],
  ]))
  const res = await recoverDatabases(f.deps)
  t.same(f.pulls, [{ pnn: 1, dbId: pdb.id }], 'pulled from node 1 only: highest, and first of the two at 9')
  t.equal(res[0].source, 1)
  t.same(f.pushed(1, pdb.id), [], 'the source is not pushed to')
  for (const p of [0, 2, 3]) {
    const ps = f.pushed(p, pdb.id)
    t.same(view(allRecords(ps)), [['6b31', 'new11', '3', 0, 0x1], ['6b32', 'new12', '1', 2, 0]], `node ${p}${p === 3 ? ' (which lacks the database)' : ''} gets the source's records unchanged`)
    t.ok(ps.every(x => x.seqnum === 9n), `node ${p}: with the source's sequence number`)
    t.equal(ps[ps.length - 1].last, true)
  }
  t.equal(res[0].records, 2)
})

t.test('persistent: a node with the source\'s sequence number and digest is not pushed to; a different digest or a failed one is', async t => {
  const pdb = dbInfo('secrets.tdb', 'persistent')
  const content = (tag: string): StoredRecord[] => [r('k1', 3n, 0, `${tag}1`, 0x1), r('k2', 1n, 2, `${tag}2`)]
  const nodes = new Map<number, FakeDb[]>([
    [0, [{ info: pdb, seqnum: 9n, records: content('same') }]],
    [1, [{ info: pdb, seqnum: 9n, records: content('same') }]],
    [2, [{ info: pdb, seqnum: 9n, records: content('split') }]],
    [3, [{ info: pdb, seqnum: 9n, records: content('same') }]],
    [4, [{ info: pdb, seqnum: 8n, records: content('same') }]],
  ])
  const asked: number[] = []
  const f = fakeCluster(nodes, {
    async digest (pnn, dbId) {
      asked.push(pnn)
      if (pnn === 3) throw new Error('node 3 could not read it')
      return view(nodes.get(pnn)!.find(d => d.info.id === dbId)!.records).join('|')
    },
  })
  const res = await recoverDatabases(f.deps)
  t.equal(res[0].source, 0)
  t.same(asked.sort(), [0, 1, 2, 3], 'digests asked of the source and of the nodes at its sequence number only')
  t.same(res[0].identical, [1], 'node 1 already holds the same copy')
  t.same(f.pushed(1, pdb.id), [], 'and is not pushed to')
  for (const p of [2, 3, 4]) t.same(view(allRecords(f.pushed(p, pdb.id))).map(x => x[1]), ['same1', 'same2'], `node ${p} is pushed the source's copy`)
  t.equal(res[0].records, 2)
})

t.test('persistent: when every node holds the source\'s copy nothing is pulled or pushed', async t => {
  const pdb = dbInfo('secrets.tdb', 'persistent')
  const recs = [r('k', 1n, 0, 'v')]
  const f = fakeCluster(new Map([0, 1, 2].map(p => [p, [{ info: pdb, seqnum: 4n, records: recs }]])), { digest: async () => 'same' })
  const res = await recoverDatabases(f.deps)
  t.same(res[0].identical, [1, 2])
  t.same(f.pulls, [], 'nothing pulled')
  t.equal(f.pushes.size, 0, 'nothing pushed')
})

t.test('persistent: on equal sequence numbers the first node is the source; a node without the database never is', async t => {
  const pdb = dbInfo('registry.tdb', 'persistent')
  const rep = dbInfo('g_lock.tdb', 'replicated')
  const f = fakeCluster(new Map([
    [0, [{ info: rep, seqnum: 4n, records: [r('x', 1n, 0, 'from0')] }]],
    [1, [{ info: pdb, seqnum: 0n, records: [r('y', 1n, 1, 'from1')] }, { info: rep, seqnum: 4n, records: [r('x', 1n, 1, 'from1')] }]],
    [2, [{ info: pdb, seqnum: 0n, records: [r('y', 1n, 2, 'from2')] }, { info: rep, seqnum: 4n, records: [r('x', 1n, 2, 'from2')] }]],
  ]))
  const res = await recoverDatabases(f.deps)
  const byName = new Map(res.map(x => [x.db.name, x]))
  t.equal(byName.get('g_lock.tdb')!.source, 0, 'replicated, all at 4: node 0')
  t.equal(byName.get('registry.tdb')!.source, 1, 'persistent at 0 on 1 and 2, missing on 0: node 1')
  t.same(allRecords(f.pushed(0, pdb.id)).map(x => x.data.toString()), ['from1'], 'node 0 gets node 1\'s copy')
  t.same(allRecords(f.pushed(2, rep.id)).map(x => x.data.toString()), ['from0'])
  t.ok(f.pushed(0, pdb.id).every(x => x.seqnum === 0n), 'sequence number 0 pushed as 0')
})

t.test('persistent: empty records are dropped before the push, as CTDB does for every kind', async t => {
  const pdb = dbInfo('tombstones.tdb', 'persistent')
  const f = fakeCluster(new Map([
    [0, [{ info: pdb, seqnum: 3n, records: [r('gone', 2n, 0, ''), r('kept', 1n, 0, 'v')] }]],
    [1, [{ info: pdb, seqnum: 1n, records: [] }]],
  ]))
  await recoverDatabases(f.deps)
  const keys = allRecords(f.pushed(1, pdb.id)).map(x => x.key.toString())
  t.ok(keys.includes('kept'))
  t.same(keys, ['kept'], 'only the record with data is pushed')
})

t.test('a database whose kind differs between nodes fails the recovery before anything is pushed', async t => {
  const asVol = dbInfo('mixed.tdb', 'volatile')
  const asPers = dbInfo('mixed.tdb', 'persistent')
  const f = fakeCluster(new Map([
    [0, [{ info: asVol, seqnum: 0n, records: [] }]],
    [1, [{ info: asVol, seqnum: 0n, records: [] }]],
    [2, [{ info: asPers, seqnum: 1n, records: [] }]],
  ]))
  const err = await recoverDatabases(f.deps).then(() => null, (e: unknown) => e)
  t.ok(err instanceof RecoveryError, 'a RecoveryError')
  t.equal((err as RecoveryError).code, 'CORRAL_E_RECOVERY_FAILED')
  t.match((err as RecoveryError).message, /mixed\.tdb .* is volatile on one node and persistent on node 2/)
  t.equal(f.pulls.length, 0, 'nothing pulled')
  t.equal(f.pushes.size, 0, 'nothing pushed')
})

t.test('a node that cannot list its databases is blamed', async t => {
  const f = fakeCluster(new Map([[0, []], [1, []], [2, []]]))
  f.deps.listDbs = async pnn => { if (pnn === 2) throw new Error('link down'); return [] }
  const err = await recoverDatabases(f.deps).then(() => null, (e: unknown) => e) as RecoveryError
  t.ok(err instanceof RecoveryError)
  t.match(err.message, /node 2 did not list its databases: link down/)
  t.same([...err.failures], [[2, 1]])
})

t.test('a pull that keeps failing is retried `attempts` times, then its node gets one failure', async t => {
  const vol = dbInfo('flaky.tdb', 'volatile')
  const recs = [r('a', 1n, 0, 'a'), r('b', 1n, 0, 'b'), r('c', 1n, 0, 'c'), r('d', 1n, 0, 'd')]
  const f = fakeCluster(new Map([0, 1, 2].map(p => [p, [{ info: vol, seqnum: 0n, records: recs }]])))
  let attemptsOn2 = 0
  const basePull = f.deps.pull
  f.deps.pull = (pnn, dbId) => {
    if (pnn !== 2) return basePull(pnn, dbId)
    attemptsOn2++
    return (async function * () { yield P([recs[0]]); await tick(); throw new Error('node 2 hung up') })()
  }
  const err = await recoverDatabases(f.deps).then(() => null, (e: unknown) => e) as RecoveryError
  t.ok(err instanceof RecoveryError, 'the recovery fails')
  t.match(err.message, /1 database\(s\) failed to recover: node 2 hung up/)
  t.equal(attemptsOn2, 3, 'node 2 pulled once per attempt')
  t.same([...err.failures], [[2, 1]], 'exactly one failure, on node 2')
})

t.test('a pull that fails once is retried and the recovery succeeds without blame', async t => {
  const pdb = dbInfo('once.tdb', 'persistent')
  const f = fakeCluster(new Map([
    [0, [{ info: pdb, seqnum: 1n, records: [] }]],
    [1, [{ info: pdb, seqnum: 2n, records: [r('k', 1n, 1, 'v')] }]],
  ]))
  let calls = 0
  const basePull = f.deps.pull
  f.deps.pull = (pnn, dbId) => {
    calls++
    if (calls === 1) return (async function * (): AsyncGenerator<PackedBatch> { await tick(); throw new Error('transient') })()
    return basePull(pnn, dbId)
  }
  const res = await recoverDatabases(f.deps)
  t.equal(calls, 2)
  t.equal(res[0].source, 1)
  t.same(allRecords(f.pushed(0, pdb.id)).map(x => x.data.toString()), ['v'])
})

t.test('a persistent source whose pull fails every attempt is the one blamed', async t => {
  const pdb = dbInfo('src.tdb', 'persistent')
  const f = fakeCluster(new Map([
    [0, [{ info: pdb, seqnum: 1n, records: [] }]],
    [1, [{ info: pdb, seqnum: 7n, records: [r('k', 1n, 1, 'v')] }]],
    [2, [{ info: pdb, seqnum: 1n, records: [] }]],
  ]), { attempts: 2 })
  f.deps.pull = () => (async function * (): AsyncGenerator<PackedBatch> { await tick(); throw new Error('disk error') })()
  const err = await recoverDatabases(f.deps).then(() => null, (e: unknown) => e) as RecoveryError
  t.ok(err instanceof RecoveryError)
  t.same([...err.failures], [[1, 1]], 'node 1, the source, one failure')
})

t.test('a node whose pull cannot even start (no link) is blamed too', async t => {
  // The cluster member's pull throws synchronously when a node has no link (out(p) in node.ts).
  for (const kind of ['volatile', 'persistent'] as const) {
    const db = dbInfo(`nolink-${kind}.tdb`, kind)
    const f = fakeCluster(new Map([
      [0, [{ info: db, seqnum: 1n, records: [r('k', 1n, 0, 'v')] }]],
      [1, [{ info: db, seqnum: 1n, records: [] }]],
      [2, [{ info: db, seqnum: 9n, records: [r('k', 2n, 2, 'w')] }]],
    ]))
    const basePull = f.deps.pull
    f.deps.pull = (pnn, dbId) => { if (pnn === 2) throw new Error('node 2 has no link'); return basePull(pnn, dbId) }
    const err = await recoverDatabases(f.deps).then(() => null, (e: unknown) => e) as RecoveryError
    t.ok(err instanceof RecoveryError, `${kind}: the recovery fails`)
    t.same([...err.failures], [[2, 1]], `${kind}: node 2 gets the failure`)
  }
})

t.test('a push that fails every attempt blames the node pushed to', async t => {
  const vol = dbInfo('pushfail.tdb', 'volatile')
  const f = fakeCluster(new Map([0, 1, 2].map(p => [p, [{ info: vol, seqnum: 0n, records: [r('k', 1n, p, 'v')] }]])))
  const basePush = f.deps.pushBatch
  let tries = 0
  f.deps.pushBatch = async (pnn, db, recs, last, seqnum, total) => {
    if (pnn === 0) { tries++; throw new Error('disk full') }
    await basePush(pnn, db, recs, last, seqnum, total)
  }
  const err = await recoverDatabases(f.deps).then(() => null, (e: unknown) => e) as RecoveryError
  t.ok(err instanceof RecoveryError)
  t.equal(tries, 3, 'one push per attempt')
  t.same([...err.failures], [[0, 1]])
})

t.test('two failing databases give two failures; a good one alongside is still recovered', async t => {
  const bad1 = dbInfo('bad1.tdb', 'volatile')
  const bad2 = dbInfo('bad2.tdb', 'persistent')
  const good = dbInfo('good.tdb', 'volatile')
  const f = fakeCluster(new Map([
    [0, [{ info: bad1, seqnum: 0n, records: [] }, { info: bad2, seqnum: 0n, records: [] }, { info: good, seqnum: 0n, records: [r('g', 1n, 0, 'g')] }]],
    [1, [{ info: bad1, seqnum: 0n, records: [] }, { info: bad2, seqnum: 3n, records: [] }, { info: good, seqnum: 0n, records: [] }]],
  ]))
  const basePull = f.deps.pull
  f.deps.pull = (pnn, dbId) => {
    if (pnn === 1 && dbId !== good.id) return (async function * (): AsyncGenerator<PackedBatch> { await tick(); throw new Error(`pull of 0x${dbId.toString(16)} failed`) })()
    return basePull(pnn, dbId)
  }
  const err = await recoverDatabases(f.deps).then(() => null, (e: unknown) => e) as RecoveryError
  t.ok(err instanceof RecoveryError)
  t.match(err.message, /^2 database\(s\) failed to recover/)
  t.same([...err.failures], [[1, 2]], 'one credit per failed database')
  t.same(allRecords(f.pushed(1, good.id)).map(x => x.key.toString()), ['g'], 'the good database was pushed')
})

t.test('a push failing while the merge waits for a slow pull does not leave an unhandled rejection', async t => {
  const vol = dbInfo('slow.tdb', 'volatile')
  const recs = Array.from({ length: 8 }, (_, i) => r(`k${i}`, 1n, 0, 'v'))
  const f = fakeCluster(new Map([0, 1].map(p => [p, [{ info: vol, seqnum: 0n, records: recs }]])), { batchRecords: 1, attempts: 1 })
  f.deps.pull = () => (async function * () { for (const x of recs) { await tick(30); yield P([x]) } })()
  f.deps.pushBatch = async pnn => { if (pnn === 1) throw new Error('push refused') }
  const unhandled: unknown[] = []
  const onUnhandled = (e: unknown): void => { unhandled.push(e) }
  // tap's own handler would fail the test outright; count instead, and hand it back afterwards.
  const theirs = process.listeners('unhandledRejection')
  process.removeAllListeners('unhandledRejection')
  process.on('unhandledRejection', onUnhandled)
  try {
    const err = await recoverDatabases(f.deps).then(() => null, (e: unknown) => e) as RecoveryError
    t.ok(err instanceof RecoveryError, 'the recovery fails')
    t.same([...err.failures], [[1, 1]], 'node 1 blamed')
    await tick(100)
  } finally {
    process.removeListener('unhandledRejection', onUnhandled)
    for (const l of theirs) process.on('unhandledRejection', l)
  }
  t.same(unhandled.map(e => (e as Error).message), [], 'no rejection went unhandled (in corrald it would kill the leader)')
})

t.test('progress is reported as batches go out and databases finish, each batch counted once', async t => {
  const a = dbInfo('a.tdb', 'volatile')
  const b = dbInfo('b.tdb', 'persistent')
  const recs = [r('k1', 1n, 0, '1'), r('k2', 1n, 0, '2'), r('k3', 1n, 0, '3')]
  const f = fakeCluster(new Map([
    [0, [{ info: a, seqnum: 0n, records: recs }, { info: b, seqnum: 2n, records: recs }]],
    [1, [{ info: a, seqnum: 0n, records: [] }, { info: b, seqnum: 1n, records: [] }]],
    [2, [{ info: a, seqnum: 0n, records: [] }, { info: b, seqnum: 1n, records: [] }]],
  ]))
  const seen: Array<{ dbsDone: number, dbsTotal: number, records: number }> = []
  f.deps.onProgress = p => { seen.push(p) }
  await recoverDatabases(f.deps)
  t.same(seen[0], { dbsDone: 0, dbsTotal: 2, records: 0 }, 'first: nothing done yet')
  t.same(seen[seen.length - 1], { dbsDone: 2, dbsTotal: 2, records: 6 }, 'last: both databases, 3 + 3 records, not once per node')
  t.ok(seen.every((p, i) => i === 0 || (p.records >= seen[i - 1].records && p.dbsDone >= seen[i - 1].dbsDone)), 'never goes backwards')
})

t.test('memory: a 200k-record merge never holds more than a few batches', async t => {
  const vol = dbInfo('big.tdb', 'volatile')
  const TOTAL = 200_000
  const BATCH = 1000
  const key = (i: number): Buffer => Buffer.from(`key${String(i).padStart(7, '0')}`)
  // Every key is on two of the three nodes (node p lacks keys with i % 3 === p), made lazily.
  let frontier = -1 // highest key index any pull has produced
  let done = -1 // highest key index whose push to every node has completed
  let maxAhead = 0
  let heldByPush = 0
  let maxHeldByPush = 0
  let pushes = 0
  const deps: RecoveryDeps = {
    leader: 0,
    generation: 1,
    nodes: [0, 1, 2],
    batchRecords: BATCH,
    attempts: 1,
    async listDbs () { return [{ ...vol, seqnum: 0n }] },
    pull (pnn) {
      return (async function * () {
        let batch: StoredRecord[] = []
        for (let i = 0; i < TOTAL; i++) {
          if (i % 3 === pnn) continue
          batch.push({ key: key(i), header: { rsn: BigInt(pnn), dmaster: pnn, flags: 0 }, data: Buffer.from('v') })
          if (batch.length === BATCH) {
            frontier = Math.max(frontier, i)
            maxAhead = Math.max(maxAhead, frontier - done)
            yield P(batch)
            batch = []
          }
        }
        if (batch.length > 0) { frontier = TOTAL - 1; yield P(batch) }
      })()
    },
    async pushBatch (pnn, _db, batch) {
      const recs = U(batch)
      pushes++
      heldByPush += recs.length
      maxHeldByPush = Math.max(maxHeldByPush, heldByPush)
      await tick()
      heldByPush -= recs.length
      if (pnn === 2 && recs.length > 0) done = Math.max(done, Number(recs[recs.length - 1].key.subarray(3).toString()))
    },
  }
  const t0 = Date.now()
  const res = await recoverDatabases(deps)
  t.comment(`200k-record merge of 3 streams: ${Date.now() - t0} ms, ${pushes} pushes, at most ${maxAhead} keys pulled ahead, ${maxHeldByPush} records held by pushes`)
  t.equal(res[0].records, TOTAL, 'every key once')
  t.ok(maxAhead <= 10 * BATCH, `pulls run at most ~10 batches ahead of completed pushes (${maxAhead} keys)`)
  t.ok(maxHeldByPush <= 3 * 6 * BATCH, `pushes in flight hold a bounded window per node (${maxHeldByPush} records)`)
  t.equal(pushes, 3 * (TOTAL / BATCH + 1), 'one push per batch per node, plus the last one')
})
