import t, { type Test } from 'tap'
import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { createRequire } from 'node:module'
import { pathToFileURL } from 'node:url'
import { existsSync, mkdtempSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  DB_FLAG_PERSISTENT, DB_FLAG_READONLY, DB_FLAG_REPLICATED, DB_FLAG_STICKY, dbIdOf, encodeRecord, formatDbId, LocalStore, MAX_KEY_BYTES,
  MAX_VALUE_BYTES, packRecords, SEQNUM_KEY, UNKNOWN_PNN, unpackRecords, type PackedBatch, type RecordHeader, type StoredRecord,
} from '../../engine/database/index.js'
import { CorralError, type ErrorCode } from '../../engine/errors/index.js'

const root = mkdtempSync(join(tmpdir(), 'corral-store-'))
t.teardown(() => { rmSync(root, { recursive: true, force: true }) })
let dirs = 0

// A fresh store directory per test, closed when the test ends.
function fresh (t: Test, pnn = 1): { dir: string, store: LocalStore } {
  const dir = join(root, `s${++dirs}`)
  const store = LocalStore.open(dir, { pnn })
  t.teardown(async () => { await store.close() })
  return { dir, store }
}

const H: RecordHeader = { rsn: 1n, dmaster: 1, flags: 0 }
const k = (s: string): Buffer => Buffer.from(s)

async function collect (it: AsyncIterable<StoredRecord[]>): Promise<StoredRecord[][]> {
  const out: StoredRecord[][] = []
  for await (const b of it) out.push(b)
  return out
}

async function fill (store: LocalStore, id: number, n: number, prefix = 'k'): Promise<void> {
  await Promise.all(Array.from({ length: n }, async (_, i) => {
    await store.put(id, k(`${prefix}${String(i).padStart(4, '0')}`), H, k(`v${i}`))
  }))
}

// Entry counts of every named sub-db, read by another process through a read-only LMDB open.
function peek (dir: string): Record<string, number> {
  const script = join(root, `peek-${++dirs}.mjs`)
  writeFileSync(script, `
    import lmdb from ${JSON.stringify(pathToFileURL(createRequire(import.meta.url).resolve('lmdb')).href)}
    const env = lmdb.open({ path: ${JSON.stringify(dir)}, readOnly: true, maxDbs: 1024, keyEncoding: 'binary', encoding: 'binary' })
    const out = {}
    for (const key of env.getKeys({})) {
      const name = key.toString().replace(/\0$/, '')
      out[name] = env.openDB(name, { keyEncoding: 'binary', encoding: 'binary' }).getStats().entryCount
    }
    console.log(JSON.stringify(out))
  `)
  const child = spawnSync(process.execPath, [script], { encoding: 'utf8', timeout: 30_000 })
  if (child.status !== 0) throw new Error(child.stderr)
  return JSON.parse(child.stdout) as Record<string, number>
}

// The error thrown by fn (sync or async), to check its code and message.
async function failure (fn: () => unknown): Promise<CorralError> {
  try {
    await fn()
  } catch (err) {
    if (err instanceof CorralError) return err
    throw err
  }
  throw new Error('expected a CorralError, nothing was thrown')
}

async function expectCode (t: Test, fn: () => unknown, code: ErrorCode, message?: string | RegExp): Promise<void> {
  const err = await failure(fn)
  t.equal(err.code, code, `code ${code}`)
  if (message !== undefined) t.match(err.message, message)
}

t.test('attach gives CTDB ids and flags and lists databases by name', async t => {
  const { store } = fresh(t)
  const v = store.attach('locking.tdb', 'volatile')
  const p = store.attach('secrets.tdb', 'persistent')
  const r = store.attach('ctdb-ip.tdb', 'replicated')
  t.same(v, { id: 0x7a19d84d, name: 'locking.tdb', kind: 'volatile', flags: 0 })
  t.same(p, { id: 0x7132c184, name: 'secrets.tdb', kind: 'persistent', flags: DB_FLAG_PERSISTENT })
  t.same(r, { id: 0xbc57b384, name: 'ctdb-ip.tdb', kind: 'replicated', flags: DB_FLAG_REPLICATED })
  t.same(store.list().map(d => d.name), ['ctdb-ip.tdb', 'locking.tdb', 'secrets.tdb'])
  t.equal(store.byName('secrets.tdb'), p)
  t.equal(store.byId(0x7a19d84d), v)
  t.equal(store.byName('nope.tdb'), undefined)
  t.equal(store.byId(1), undefined)
  t.ok(Object.isFrozen(v), 'infos cannot be changed by callers')
})

t.test('attaching again with the same kind is a no-op that keeps the content', async t => {
  const { store } = fresh(t)
  const v = store.attach('locking.tdb', 'volatile')
  await store.put(v.id, k('a'), H, k('1'))
  t.equal(store.attach('locking.tdb', 'volatile'), v)
  t.equal(store.count(v.id), 1)
})

t.test('attaching with another kind is CORRAL_E_DB_KIND naming the database and both kinds', async t => {
  const { store } = fresh(t)
  store.attach('locking.tdb', 'volatile')
  await expectCode(t, () => store.attach('locking.tdb', 'persistent'), 'CORRAL_E_DB_KIND', 'database locking.tdb is attached as volatile, cannot attach it as persistent')
  store.attach('secrets.tdb', 'persistent')
  await expectCode(t, () => store.attach('secrets.tdb', 'replicated'), 'CORRAL_E_DB_KIND', /secrets\.tdb.*persistent.*replicated/)
})

t.test('bad names and kinds are usage errors', async t => {
  const { store } = fresh(t)
  await expectCode(t, () => store.attach('', 'volatile'), 'CORRAL_E_USAGE', 'must not be empty')
  await expectCode(t, () => store.attach('a/b.tdb', 'volatile'), 'CORRAL_E_USAGE', "must not contain '/'")
  await expectCode(t, () => store.attach('a\0b', 'volatile'), 'CORRAL_E_USAGE', 'must not contain NUL')
  await expectCode(t, () => store.attach('x'.repeat(256), 'volatile'), 'CORRAL_E_USAGE', '256 bytes')
  await expectCode(t, () => store.attach('é'.repeat(128), 'volatile'), 'CORRAL_E_USAGE', '256 bytes')
  t.equal(store.attach('x'.repeat(255), 'volatile').name.length, 255, '255 bytes is fine')
  await expectCode(t, () => store.attach('ok.tdb', 'temporary' as never), 'CORRAL_E_USAGE', 'volatile, persistent, replicated')
})

t.test('after a reopen persistent databases are attached with their content; volatile and replicated ones are gone and start empty', async t => {
  const dir = join(root, `s${++dirs}`)
  const a = LocalStore.open(dir, { pnn: 0 })
  const p = a.attach('secrets.tdb', 'persistent')
  const v = a.attach('locking.tdb', 'volatile')
  const r = a.attach('ctdb-ip.tdb', 'replicated')
  for (const db of [p, v, r]) await fill(a, db.id, 5)
  await a.applyTransaction(p.id, [{ key: k('t'), data: k('x') }], 7n)
  await a.applyTransaction(r.id, [{ key: k('t'), data: k('x') }], 3n)
  await a.close()

  const b = LocalStore.open(dir, { pnn: 0 })
  t.teardown(async () => { await b.close() })
  t.same(b.list(), [p], 'only the persistent database is attached at start')
  t.equal(b.count(p.id), 6, 'persistent content kept')
  t.equal(b.seqnum(p.id), 7n, 'and its sequence number')
  t.equal(b.get(p.id, k('k0003'))?.data.toString(), 'v3')
  t.same(b.attach('secrets.tdb', 'persistent'), p, 'reattaching it keeps the content')
  t.equal(b.count(p.id), 6)
  t.equal(b.count(b.attach('locking.tdb', 'volatile').id), 0, 'volatile emptied')
  const r2 = b.attach('ctdb-ip.tdb', 'replicated')
  t.equal(b.count(r2.id), 0, 'replicated emptied')
  t.equal(b.seqnum(r2.id), 0n, 'replicated sequence number gone too')
})

t.test('a volatile database of an earlier run may come back as another kind (it was not kept)', async t => {
  const dir = join(root, `s${++dirs}`)
  const a = LocalStore.open(dir)
  await fill(a, a.attach('scratch.tdb', 'volatile').id, 3)
  await a.close()
  const b = LocalStore.open(dir)
  t.teardown(async () => { await b.close() })
  const p = b.attach('scratch.tdb', 'persistent')
  t.equal(p.kind, 'persistent')
  t.equal(b.count(p.id), 0)
})

t.test('detach drops a volatile or replicated database; persistent and unknown ones are refused', async t => {
  const { store } = fresh(t)
  const v = store.attach('locking.tdb', 'volatile')
  store.attach('ctdb-ip.tdb', 'replicated')
  store.attach('secrets.tdb', 'persistent')
  await fill(store, v.id, 3)
  store.detach('locking.tdb')
  store.detach('ctdb-ip.tdb')
  t.same(store.list().map(d => d.name), ['secrets.tdb'])
  t.equal(store.byId(v.id), undefined)
  await expectCode(t, () => store.count(v.id), 'CORRAL_E_DB_UNKNOWN')
  await expectCode(t, () => store.detach('secrets.tdb'), 'CORRAL_E_DB_PERSISTENT', 'Persistent database secrets.tdb cannot be detached')
  await expectCode(t, () => store.detach('locking.tdb'), 'CORRAL_E_DB_UNKNOWN', 'database locking.tdb is not attached')
  t.equal(store.count(store.attach('locking.tdb', 'volatile').id), 0, 'attached again, it is empty')
})

t.test('every record operation on an unknown id is CORRAL_E_DB_UNKNOWN with the id in hex', async t => {
  const { store, dir } = fresh(t)
  const id = 0x00c0ffee
  const msg = 'database 0x00c0ffee is not attached'
  await expectCode(t, () => store.get(id, k('a')), 'CORRAL_E_DB_UNKNOWN', msg)
  await expectCode(t, () => store.put(id, k('a'), H, k('1')), 'CORRAL_E_DB_UNKNOWN', msg)
  await expectCode(t, () => store.remove(id, k('a')), 'CORRAL_E_DB_UNKNOWN', msg)
  await expectCode(t, () => store.count(id), 'CORRAL_E_DB_UNKNOWN', msg)
  await expectCode(t, () => store.traverse(id), 'CORRAL_E_DB_UNKNOWN', msg)
  await expectCode(t, () => store.seqnum(id), 'CORRAL_E_DB_UNKNOWN', msg)
  await expectCode(t, () => store.applyTransaction(id, [], 1n), 'CORRAL_E_DB_UNKNOWN', msg)
  await expectCode(t, () => store.replaceAll(id, []), 'CORRAL_E_DB_UNKNOWN', msg)
  await expectCode(t, () => store.wipe(id), 'CORRAL_E_DB_UNKNOWN', msg)
  await expectCode(t, () => store.backup(id, join(dir, 'x.bak')), 'CORRAL_E_DB_UNKNOWN', msg)
  await expectCode(t, () => store.setFlags(id, DB_FLAG_STICKY), 'CORRAL_E_DB_UNKNOWN', msg)
})

t.test('put, get and remove a record; get returns copies with the header', async t => {
  const { store } = fresh(t)
  const { id } = store.attach('locking.tdb', 'volatile')
  const key = new Uint8Array([1, 2, 3])
  await store.put(id, key, { rsn: 9n, dmaster: 2, flags: 0x10000 }, k('data'))
  const got = store.get(id, key)
  t.same(got, { key: Buffer.from([1, 2, 3]), header: { rsn: 9n, dmaster: 2, flags: 0x10000 }, data: k('data') })
  await store.put(id, key, { rsn: 10n, dmaster: 1, flags: 0 }, new Uint8Array(0))
  t.same(store.get(id, key)?.header, { rsn: 10n, dmaster: 1, flags: 0 }, 'a put replaces the record')
  t.equal(store.get(id, key)?.data.length, 0, 'empty data is kept (a CTDB "deleted" record)')
  t.equal(store.get(id, k('missing')), undefined)
  await store.put(id, k('other'), H, k('OTHER'))
  const first = store.get(id, key)
  for (let i = 0; i < 10; i++) store.get(id, k('other'))
  t.equal(first?.data.length, 0)
  t.equal(store.get(id, k('other'))?.data.toString(), 'OTHER', 'results of earlier gets are not overwritten by later ones')
  t.same(first?.header, { rsn: 10n, dmaster: 1, flags: 0 })
  t.equal(store.get(id, new Uint8Array(0)), undefined, 'an empty key is never stored')
  t.equal(await store.remove(id, key), true)
  t.equal(await store.remove(id, key), false, 'removing a missing key says so')
  t.equal(store.get(id, key), undefined)
})

t.test('keys and values at the limits are stored; one byte more is refused with size and limit', async t => {
  const { store } = fresh(t)
  const { id } = store.attach('locking.tdb', 'volatile')
  t.equal(MAX_KEY_BYTES, 1024)
  t.equal(MAX_VALUE_BYTES, 1024 * 1024)
  await store.put(id, Buffer.alloc(MAX_KEY_BYTES, 1), H, Buffer.alloc(MAX_VALUE_BYTES, 2))
  t.equal(store.get(id, Buffer.alloc(MAX_KEY_BYTES, 1))?.data.length, MAX_VALUE_BYTES)
  await expectCode(t, () => store.put(id, Buffer.alloc(MAX_KEY_BYTES + 1), H, k('x')), 'CORRAL_E_DB_KEY_TOO_LARGE', 'record key of 1025 bytes is larger than the limit of 1024 bytes')
  await expectCode(t, () => store.put(id, k('big'), H, Buffer.alloc(MAX_VALUE_BYTES + 1)), 'CORRAL_E_DB_VALUE_TOO_LARGE', 'record value of 1048577 bytes is larger than the limit of 1048576 bytes')
  await expectCode(t, () => store.put(id, new Uint8Array(0), H, k('x')), 'CORRAL_E_USAGE', 'must not be empty')
  await expectCode(t, () => store.put(id, k('x'), { rsn: -1n, dmaster: 0, flags: 0 }, k('x')), 'CORRAL_E_USAGE', 'rsn')
  t.equal(store.get(id, k('big')), undefined, 'nothing written by a refused put')
  t.equal(store.count(id), 1)
})

t.test('traverse yields every record in key order, in batches of the size asked for', async t => {
  const { store } = fresh(t)
  const { id } = store.attach('locking.tdb', 'volatile')
  await fill(store, id, 25)
  const batches = await collect(store.traverse(id, 10))
  t.same(batches.map(b => b.length), [10, 10, 5])
  const keys = batches.flat().map(r => r.key.toString())
  t.same(keys, [...keys].sort())
  t.equal(keys.length, 25)
  t.same(batches[0][3], { key: k('k0003'), header: H, data: k('v3') })
  t.same(await collect(store.traverse(store.attach('empty.tdb', 'volatile').id)), [], 'an empty database yields no batch')
  await expectCode(t, () => store.traverse(id, 0), 'CORRAL_E_USAGE', 'batchRecords')
})

t.test('a traverse batch also ends at 4 MiB of data, so batches stay bounded with big records', async t => {
  const { store } = fresh(t)
  const { id } = store.attach('big.tdb', 'volatile')
  for (let i = 0; i < 10; i++) await store.put(id, k(`b${i}`), H, Buffer.alloc(MAX_VALUE_BYTES, i))
  const batches = await collect(store.traverse(id, 1000))
  t.same(batches.map(b => b.length), [4, 4, 2])
})

t.test('a traverse reads one snapshot: writes made while it runs are not seen', async t => {
  const { store } = fresh(t)
  const { id } = store.attach('locking.tdb', 'volatile')
  await fill(store, id, 30)
  const seen: string[] = []
  let first = true
  for await (const batch of store.traverse(id, 10)) {
    seen.push(...batch.map(r => `${r.key.toString()}=${r.data.toString()}`))
    if (first) {
      first = false
      await store.put(id, k('k0025'), H, k('changed'))
      await store.put(id, k('k9999'), H, k('new'))
      t.equal(await store.remove(id, k('k0020')), true)
      await store.wipe(store.attach('other.tdb', 'volatile').id)
    }
  }
  t.equal(seen.length, 30)
  t.ok(seen.includes('k0025=v25'), 'old value seen')
  t.ok(seen.includes('k0020=v20'), 'removed record still seen')
  t.notOk(seen.some(s => s.startsWith('k9999')), 'new record not seen')
  t.equal(store.get(id, k('k0025'))?.data.toString(), 'changed', 'the writes did happen')
  t.equal(store.count(id), 30)
})

t.test('breaking out of a traverse ends its snapshot and the store stays usable', async t => {
  const { store } = fresh(t)
  const { id } = store.attach('locking.tdb', 'volatile')
  await fill(store, id, 50)
  for (let i = 0; i < 200; i++) {
    for await (const batch of store.traverse(id, 5)) { t.equal(batch.length, 5); break }
  }
  await store.put(id, k('after'), H, k('x'))
  t.equal(store.count(id), 51)
})

t.test('seqnum is 0 until a transaction sets it; it is stored as CTDB stores it and hidden from records', async t => {
  const { store } = fresh(t, 3)
  const p = store.attach('secrets.tdb', 'persistent')
  t.equal(store.seqnum(p.id), 0n)
  await store.applyTransaction(p.id, [{ key: k('a'), data: k('1') }, { key: k('b'), data: k('2') }], 1n)
  t.equal(store.seqnum(p.id), 1n)
  t.equal(store.count(p.id), 2, 'the sequence number is not a record')
  t.same((await collect(store.traverse(p.id))).flat().map(r => r.key.toString()), ['a', 'b'])
  t.equal(store.get(p.id, SEQNUM_KEY), undefined)
  t.equal(SEQNUM_KEY.toString('latin1'), '__db_sequence_number__\0', 'ctdb\'s key, with its NUL')
  await expectCode(t, () => store.put(p.id, SEQNUM_KEY, H, Buffer.alloc(8)), 'CORRAL_E_USAGE', 'reserved')
  await store.applyTransaction(p.id, [], 0xfedcba9876543210n)
  t.equal(store.seqnum(p.id), 0xfedcba9876543210n, 'the full u64 range')
  await expectCode(t, () => store.applyTransaction(p.id, [], -1n), 'CORRAL_E_USAGE', 'uint64')
  await expectCode(t, () => store.applyTransaction(p.id, [], 1n << 64n), 'CORRAL_E_USAGE', 'uint64')
})

t.test('applyTransaction writes CTDB headers: rsn one above the old record, dmaster this node, flags kept', async t => {
  const { store } = fresh(t, 3)
  const p = store.attach('secrets.tdb', 'persistent')
  await store.put(p.id, k('a'), { rsn: 41n, dmaster: 0, flags: 0x1 }, k('old'))
  await store.applyTransaction(p.id, [{ key: k('a'), data: k('new') }, { key: k('b'), data: k('fresh') }], 2n)
  t.same(store.get(p.id, k('a'))?.header, { rsn: 42n, dmaster: 3, flags: 0x1 })
  t.same(store.get(p.id, k('b'))?.header, { rsn: 1n, dmaster: 3, flags: 0 })
  await store.applyTransaction(p.id, [{ key: k('c'), data: k('c'), header: { rsn: 7n, dmaster: 9, flags: 0 } }], 3n)
  t.same(store.get(p.id, k('c'))?.header, { rsn: 7n, dmaster: 9, flags: 0 }, 'a given header is used as is')
  await store.applyTransaction(p.id, [{ key: k('a'), data: null }, { key: k('nothere'), data: null }], 4n)
  t.equal(store.get(p.id, k('a')), undefined, 'null data deletes; deleting a missing key is fine')
  t.equal(store.seqnum(p.id), 4n)
})

t.test('a transaction with one bad write writes nothing, not even its sequence number', async t => {
  const { store } = fresh(t)
  const p = store.attach('secrets.tdb', 'persistent')
  await store.applyTransaction(p.id, [{ key: k('keep'), data: k('1') }], 5n)
  await expectCode(t, () => store.applyTransaction(p.id, [
    { key: k('a'), data: k('1') },
    { key: k('keep'), data: null },
    { key: k('c'), data: Buffer.alloc(MAX_VALUE_BYTES + 1) },
  ], 6n), 'CORRAL_E_DB_VALUE_TOO_LARGE', '1048577 bytes')
  await expectCode(t, () => store.applyTransaction(p.id, [{ key: k('a'), data: k('1') }, { key: Buffer.alloc(2000), data: k('x') }], 6n), 'CORRAL_E_DB_KEY_TOO_LARGE', '2000 bytes')
  await expectCode(t, () => store.applyTransaction(p.id, [{ key: k('a'), data: k('1') }, { key: SEQNUM_KEY, data: k('x') }], 6n), 'CORRAL_E_USAGE', 'reserved')
  t.equal(store.get(p.id, k('a')), undefined)
  t.equal(store.get(p.id, k('keep'))?.data.toString(), '1')
  t.equal(store.seqnum(p.id), 5n)
})

t.test('transactions need a persistent or replicated database', async t => {
  const { store } = fresh(t)
  const v = store.attach('locking.tdb', 'volatile')
  await expectCode(t, () => store.applyTransaction(v.id, [], 1n), 'CORRAL_E_DB_KIND', 'database locking.tdb is volatile; transactions need a persistent or replicated database')
  const r = store.attach('ctdb-ip.tdb', 'replicated')
  await store.applyTransaction(r.id, [{ key: k('ip'), data: k('10.0.0.1') }], 1n)
  t.equal(store.seqnum(r.id), 1n)
})

t.test('replaceAll swaps in the pushed content and sequence number and returns the record count', async t => {
  const { store } = fresh(t)
  const p = store.attach('secrets.tdb', 'persistent')
  await store.applyTransaction(p.id, [{ key: k('old1'), data: k('x') }, { key: k('old2'), data: k('x') }], 3n)
  async function * push (): AsyncGenerator<StoredRecord[]> {
    for (let b = 0; b < 5; b++) {
      await new Promise(resolve => setImmediate(resolve))
      yield Array.from({ length: 100 }, (_, i) => ({ key: k(`n${b}-${String(i).padStart(3, '0')}`), header: { rsn: 2n, dmaster: 0, flags: 0 }, data: k(`${b}.${i}`) }))
    }
  }
  t.equal(await store.replaceAll(p.id, push(), 9n), 500)
  t.equal(store.count(p.id), 500)
  t.equal(store.seqnum(p.id), 9n)
  t.equal(store.get(p.id, k('old1')), undefined, 'old content is gone')
  t.same(store.get(p.id, k('n4-099')), { key: k('n4-099'), header: { rsn: 2n, dmaster: 0, flags: 0 }, data: k('4.99') })
  t.equal(await store.replaceAll(p.id, [[{ key: k('a'), header: H, data: k('1') }, { key: k('a'), header: H, data: k('2') }]]), 1, 'a key pushed twice counts once; the last one wins')
  t.equal(store.get(p.id, k('a'))?.data.toString(), '2')
  t.equal(store.seqnum(p.id), 0n, 'no sequence number given: the database has none')
  t.equal(await store.replaceAll(p.id, []), 0, 'an empty push empties the database')
})

t.test('a push that fails part-way leaves the old content and sequence number untouched', async t => {
  const { store } = fresh(t)
  const p = store.attach('secrets.tdb', 'persistent')
  await store.applyTransaction(p.id, [{ key: k('a'), data: k('old') }, { key: k('b'), data: k('old') }], 4n)
  async function * broken (): AsyncGenerator<StoredRecord[]> {
    yield [{ key: k('a'), header: H, data: k('new') }, { key: k('z'), header: H, data: k('new') }]
    yield [{ key: k('c'), header: H, data: k('new') }]
    throw new Error('peer went away')
  }
  await t.rejects(store.replaceAll(p.id, broken(), 99n), { message: 'peer went away' })
  await expectCode(t, () => store.replaceAll(p.id, [[{ key: k('a'), header: H, data: k('new') }], [{ key: k('b'), header: H, data: Buffer.alloc(MAX_VALUE_BYTES + 1) }]]), 'CORRAL_E_DB_VALUE_TOO_LARGE')
  await expectCode(t, () => store.replaceAll(p.id, [[{ key: SEQNUM_KEY, header: H, data: Buffer.alloc(8) }]]), 'CORRAL_E_USAGE', 'reserved')
  t.equal(store.get(p.id, k('a'))?.data.toString(), 'old')
  t.equal(store.get(p.id, k('z')), undefined)
  t.equal(store.count(p.id), 2)
  t.equal(store.seqnum(p.id), 4n)
  t.equal(await store.replaceAll(p.id, [[{ key: k('q'), header: H, data: k('1') }]], 5n), 1, 'a later push is not polluted by the failed one')
  t.same((await collect(store.traverse(p.id))).flat().map(r => r.key.toString()), ['q'])
})

t.test('a process killed in the middle of a push staged in a file leaves the old content; the file is removed at the next open', async t => {
  const dir = join(root, `s${++dirs}`)
  const a = LocalStore.open(dir)
  const p = a.attach('secrets.tdb', 'persistent')
  await a.applyTransaction(p.id, [{ key: k('a'), data: k('old') }], 4n)
  await a.close()
  const script = join(root, `crash-${dirs}.mts`)
  writeFileSync(script, `
    import { LocalStore } from ${JSON.stringify(new URL('../../engine/database/index.js', import.meta.url).href)}
    const s = LocalStore.open(${JSON.stringify(dir)}, { stageMemoryBytes: 0 })
    const id = s.byName('secrets.tdb').id
    async function * push () {
      for (let b = 0; ; b++) {
        if (b === 3) process.kill(process.pid, 'SIGKILL')
        yield Array.from({ length: 1000 }, (_, i) => ({ key: Buffer.from('n' + b + '.' + i), header: { rsn: 1n, dmaster: 0, flags: 0 }, data: Buffer.alloc(100) }))
        await new Promise(resolve => setTimeout(resolve, 20))
      }
    }
    await s.replaceAll(id, push(), 50n)
  `)
  const child = spawnSync(process.execPath, ['--import', 'tsx', script], { encoding: 'utf8', timeout: 60_000 })
  t.equal(child.signal, 'SIGKILL', `the child died mid-push (stderr: ${child.stderr.slice(0, 500)})`)
  const before = peek(dir)
  const staged = join(dir, 'stage-0x7132c184.push')
  // The child's first three batches, as the staging file holds them: u32 length, packed batch.
  const batchOf = (b: number): StoredRecord[] => Array.from({ length: 1000 }, (_, i) => ({ key: Buffer.from(`n${b}.${i}`), header: { rsn: 1n, dmaster: 0, flags: 0 }, data: Buffer.alloc(100) }))
  t.equal(statSync(staged).size, [0, 1, 2].reduce((n, b) => n + 4 + packRecords(batchOf(b)).length, 0), 'three batches were staged (in the staging file) when it died')
  t.equal(before['db:0x7132c184'], 2, 'the database itself still holds its record and sequence number')
  const b = LocalStore.open(dir)
  t.teardown(async () => { await b.close() })
  t.notOk(existsSync(staged), 'opening the store removed the staging file')
  t.equal(b.count(p.id), 1)
  t.equal(b.get(p.id, k('a'))?.data.toString(), 'old')
  t.equal(b.seqnum(p.id), 4n)
  t.equal(await b.replaceAll(p.id, [[{ key: k('x'), header: H, data: k('1') }]]), 1, 'no staged records from the dead push leak in')
})

t.test('a push beyond the staging memory spills to its file from that batch on and swaps in every record in order', async t => {
  const batch = (b: number): StoredRecord[] => Array.from({ length: 100 }, (_, i) => ({ key: k(`r${b}.${String(i).padStart(3, '0')}`), header: H, data: Buffer.alloc(50, b) }))
  const batchBytes = packRecords(batch(0)).length
  for (const [memory, spills] of [[batchBytes * 1.5, true], [batchBytes * 10, false]] as const) {
    const dir = join(root, `s${++dirs}`)
    const store = LocalStore.open(dir, { stageMemoryBytes: memory })
    t.teardown(async () => { await store.close() })
    const p = store.attach('secrets.tdb', 'persistent')
    const file = join(dir, `stage-${formatDbId(p.id)}.push`)
    const seen: boolean[] = []
    async function * push (): AsyncGenerator<StoredRecord[]> {
      for (let b = 0; b < 4; b++) {
        // The batch before this one has been staged by now (at most one is in the writer's queue).
        if (b >= 2) { await new Promise(resolve => setTimeout(resolve, 50)); seen.push(existsSync(file)) }
        yield batch(b)
      }
    }
    t.equal(await store.replaceAll(p.id, push(), 7n), 400)
    t.same(seen, [spills, spills], spills ? 'the push was in its staging file from the second batch on' : 'the push stayed in memory')
    t.notOk(existsSync(file), 'no staging file is left after the swap')
    const keys = (await collect(store.traverse(p.id))).flat().map(r => r.key.toString())
    t.same(keys, [0, 1, 2, 3].flatMap(b => batch(b).map(r => r.key.toString())), 'every record, in order')
    t.equal(store.seqnum(p.id), 7n)
  }
})

t.test('wipe empties a database and its sequence number', async t => {
  const { store } = fresh(t)
  const p = store.attach('secrets.tdb', 'persistent')
  await store.applyTransaction(p.id, [{ key: k('a'), data: k('1') }], 8n)
  await store.wipe(p.id)
  t.equal(store.count(p.id), 0)
  t.equal(store.seqnum(p.id), 0n)
  t.same(store.list(), [p], 'still attached')
})

t.test('READONLY and STICKY can be set on volatile databases only, and are not kept across a restart', async t => {
  const dir = join(root, `s${++dirs}`)
  const a = LocalStore.open(dir)
  const v = a.attach('locking.tdb', 'volatile')
  t.equal(a.setFlags(v.id, DB_FLAG_READONLY).flags, DB_FLAG_READONLY)
  t.equal(a.setFlags(v.id, DB_FLAG_STICKY).flags, DB_FLAG_READONLY | DB_FLAG_STICKY)
  t.equal(a.byName('locking.tdb')?.flags, DB_FLAG_READONLY | DB_FLAG_STICKY)
  const p = a.attach('secrets.tdb', 'persistent')
  await expectCode(t, () => a.setFlags(p.id, DB_FLAG_READONLY), 'CORRAL_E_DB_KIND', 'volatile databases only')
  await expectCode(t, () => a.setFlags(v.id, DB_FLAG_PERSISTENT), 'CORRAL_E_USAGE')
  await a.close()
  const b = LocalStore.open(dir)
  t.teardown(async () => { await b.close() })
  t.equal(b.attach('locking.tdb', 'volatile').flags, 0)
})

t.test('one store per directory in a process; a closed store refuses work', async t => {
  const { store, dir } = fresh(t)
  await expectCode(t, () => LocalStore.open(dir), 'CORRAL_E_DB_STORE_BUSY', 'already open')
  const other = LocalStore.open(join(root, `s${++dirs}`))
  const id = other.attach('x.tdb', 'volatile').id
  await other.close()
  await other.close()
  await expectCode(t, () => other.count(id), 'CORRAL_E_INTERNAL', 'is closed')
  await expectCode(t, () => other.list(), 'CORRAL_E_INTERNAL', 'is closed')
  const again = LocalStore.open(other.path)
  t.same(again.list(), [], 'the directory can be opened again once closed')
  await again.close()
  t.equal(store.path, realpathSync(dir))
})

t.test('pushes to one database run one after the other; the last one wins', async t => {
  const { store } = fresh(t)
  const p = store.attach('secrets.tdb', 'persistent')
  async function * slow (tag: string, n: number): AsyncGenerator<StoredRecord[]> {
    for (let b = 0; b < 3; b++) {
      await new Promise(resolve => setTimeout(resolve, 5))
      yield Array.from({ length: n }, (_, i) => ({ key: k(`${tag}${b}.${i}`), header: H, data: k(tag) }))
    }
  }
  const [one, two] = await Promise.all([store.replaceAll(p.id, slow('a', 10), 1n), store.replaceAll(p.id, slow('b', 20), 2n)])
  t.same([one, two], [30, 60])
  t.equal(store.count(p.id), 60)
  t.equal(store.seqnum(p.id), 2n)
  t.same(new Set((await collect(store.traverse(p.id))).flat().map(r => r.data.toString())), new Set(['b']))
})

t.test('a database detached during a push fails the push and comes back empty', async t => {
  const { store } = fresh(t)
  const v = store.attach('locking.tdb', 'volatile')
  async function * push (): AsyncGenerator<StoredRecord[]> {
    yield [{ key: k('a'), header: H, data: k('1') }]
    store.detach('locking.tdb')
    yield [{ key: k('b'), header: H, data: k('2') }]
  }
  await expectCode(t, () => store.replaceAll(v.id, push()), 'CORRAL_E_DB_UNKNOWN', 'detached during the push')
  t.equal(store.count(store.attach('locking.tdb', 'volatile').id), 0)
})

t.test('bad open options are usage errors; the pnn defaults to CTDB\'s unknown PNN', async t => {
  await expectCode(t, () => LocalStore.open(join(root, 'never'), { pnn: -1 }), 'CORRAL_E_USAGE', 'pnn')
  await expectCode(t, () => LocalStore.open(join(root, 'never'), { mapSizeBytes: 0 }), 'CORRAL_E_USAGE', 'mapSizeBytes')
  const s = LocalStore.open(join(root, `s${++dirs}.with.dots`), { mapSizeBytes: 1024 * 1024 })
  t.equal(s.pnn, UNKNOWN_PNN)
  const p = s.attach('secrets.tdb', 'persistent')
  await fill(s, p.id, 50)
  await s.put(p.id, k('big'), H, Buffer.alloc(MAX_VALUE_BYTES))
  await s.put(p.id, k('big2'), H, Buffer.alloc(MAX_VALUE_BYTES))
  t.equal(s.count(p.id), 52, 'the map grows past the size it started with; a dotted directory name is still a directory')
  await s.close()
})

t.test('another process can open the environment read-only and find a database through the catalogue', async t => {
  const { store, dir } = fresh(t)
  const p = store.attach('secrets.tdb', 'persistent')
  await store.put(p.id, k('hello'), { rsn: 3n, dmaster: 1, flags: 0 }, k('world'))
  const script = join(root, `reader-${dirs}.mjs`)
  writeFileSync(script, `
    import lmdb from ${JSON.stringify(pathToFileURL(createRequire(import.meta.url).resolve('lmdb')).href)}
    const { open } = lmdb
    const env = open({ path: ${JSON.stringify(dir)}, readOnly: true, maxDbs: 1024, keyEncoding: 'binary', encoding: 'binary' })
    const cat = env.openDB('catalogue', { keyEncoding: 'binary', encoding: 'binary' })
    const entry = JSON.parse(cat.get(Buffer.from('secrets.tdb')).toString())
    const db = env.openDB('db:0x' + entry.id.toString(16).padStart(8, '0'), { keyEncoding: 'binary', encoding: 'binary' })
    const v = db.get(Buffer.from('hello'))
    console.log(JSON.stringify({ entry, rsn: String(v.readBigUInt64LE(0)), data: v.subarray(24).toString() }))
  `)
  const child = spawnSync(process.execPath, [script], { encoding: 'utf8', timeout: 30_000 })
  t.equal(child.status, 0, child.stderr)
  t.same(JSON.parse(child.stdout), { entry: { id: dbIdOf('secrets.tdb'), kind: 'persistent', flags: 1 }, rsn: '3', data: 'world' })
})

t.test('traversePacked hands out what LMDB holds, packed as it is, without the sequence number; dropEmpty leaves out header-only records', async t => {
  const { store } = fresh(t)
  const p = store.attach('secrets.tdb', 'persistent')
  await store.applyTransaction(p.id, [
    { key: k('b'), data: k('two'), header: { rsn: 7n, dmaster: 2, flags: 0x10000 } },
    { key: k('a'), data: k('one') },
    { key: k('gone'), data: Buffer.alloc(0) },
  ], 3n)
  const all: PackedBatch[] = []
  for await (const b of store.traversePacked(p.id, { batchRecords: 2 })) all.push(b)
  t.same(all.map(b => b.count), [2, 1], 'batches of at most batchRecords')
  const recs = all.flatMap(b => unpackRecords(b.packed, b.count))
  t.same(recs.map(r => r.key.toString()), ['a', 'b', 'gone'], 'key order; the sequence number record is not among them')
  t.same(recs[1].header, { rsn: 7n, dmaster: 2, flags: 0x10000 }, 'the header comes as stored')
  const kept: PackedBatch[] = []
  for await (const b of store.traversePacked(p.id, { dropEmpty: true })) kept.push(b)
  t.same(kept.flatMap(b => unpackRecords(b.packed, b.count)).map(r => r.key.toString()), ['a', 'b'])
})

t.test('traversePacked (read by the store\'s thread) reads the latest commit at its start, keeps its snapshot, and can be left early', async t => {
  const { store } = fresh(t)
  const p = store.attach('secrets.tdb', 'persistent')
  await store.applyTransaction(p.id, Array.from({ length: 50 }, (_, i) => ({ key: k(`r${String(i).padStart(2, '0')}`), data: k('v1') })), 1n)
  const keysOf = (bs: PackedBatch[]): string[] => bs.flatMap(b => unpackRecords(b.packed, b.count)).map(r => r.key.toString())
  const first: PackedBatch[] = []
  for await (const b of store.traversePacked(p.id, { batchRecords: 10 })) {
    first.push(b)
    // Committed while the traverse runs: not part of its snapshot.
    if (first.length === 1) await store.applyTransaction(p.id, [{ key: k('r99'), data: k('late') }], 2n)
  }
  t.equal(keysOf(first).length, 50, 'the snapshot of the start: the later record is not in it')
  let taken = 0
  for await (const b of store.traversePacked(p.id, { batchRecords: 10 })) { taken += b.count; break }
  t.equal(taken, 10, 'left after one batch')
  const again: PackedBatch[] = []
  for await (const b of store.traversePacked(p.id, { batchRecords: 100 })) again.push(b)
  t.equal(keysOf(again).length, 51, 'a traverse started after the commit sees it')
  t.equal(keysOf(again)[50], 'r99')
  // Values larger than lmdb's shared read buffer come through whole, small ones after them too.
  const big = Buffer.alloc(MAX_VALUE_BYTES, 0)
  for (let i = 0; i < big.length; i++) big[i] = i % 253
  await store.applyTransaction(p.id, [{ key: k('a-big'), data: big }, { key: k('a-mid'), data: big.subarray(0, 70_000) }], 3n)
  const recs = []
  for await (const b of store.traversePacked(p.id, { batchRecords: 2 })) recs.push(...unpackRecords(b.packed, b.count))
  t.equal(recs.length, 53)
  t.ok(recs[0].data.equals(big), 'a 1 MiB value, byte for byte')
  t.ok(recs[1].data.equals(big.subarray(0, 70_000)), 'a 70 kB value, byte for byte')
  t.equal(recs[2].data.toString(), 'v1', 'and the small one after them')
})

t.test('traversePacked in chunks: each starts after the key given and reads at most maxBatches; together they are the whole database', async t => {
  const { store } = fresh(t)
  const p = store.attach('secrets.tdb', 'persistent')
  await store.applyTransaction(p.id, Array.from({ length: 22 }, (_, i) => ({ key: k(`r${String(i).padStart(2, '0')}`), data: k(`v${i}`) })), 1n)
  const keys: string[] = []
  const chunks: number[][] = []
  let after: Buffer | undefined
  for (let guard = 0; guard < 20; guard++) {
    const sizes: number[] = []
    for await (const b of store.traversePacked(p.id, { batchRecords: 4, after, maxBatches: 2 })) {
      sizes.push(b.count)
      keys.push(...unpackRecords(b.packed, b.count).map(r => r.key.toString()))
    }
    chunks.push(sizes)
    if (sizes.length < 2 || sizes[1] < 4) break
    after = k(keys[keys.length - 1])
  }
  t.same(chunks, [[4, 4], [4, 4], [4, 2]], 'at most two batches of four per chunk')
  t.same(keys, Array.from({ length: 22 }, (_, i) => `r${String(i).padStart(2, '0')}`), 'every record once, in key order')
  const rest: string[] = []
  for await (const b of store.traversePacked(p.id, { after: k('r20') })) rest.push(...unpackRecords(b.packed, b.count).map(r => r.key.toString()))
  t.same(rest, ['r21'], 'after a key that exists: the records after it, not it')
  const none: PackedBatch[] = []
  for await (const b of store.traversePacked(p.id, { after: k('r99') })) none.push(b)
  t.same(none, [], 'after the last key: nothing')
  await expectCode(t, () => store.traversePacked(p.id, { maxBatches: 0 }), 'CORRAL_E_USAGE', /maxBatches must be a positive integer, got 0/)
})

t.test('replacePacked writes batches in any key order (later duplicates win) and refuses a bad batch before writing any of it', async t => {
  const { store } = fresh(t)
  const p = store.attach('secrets.tdb', 'persistent')
  await store.applyTransaction(p.id, [{ key: k('old'), data: k('x') }], 1n)
  const rec = (key: string, data: string): StoredRecord => ({ key: k(key), header: H, data: k(data) })
  const batches: PackedBatch[] = [
    { packed: packRecords([rec('m', '1'), rec('z', '1')]), count: 2 },
    { packed: packRecords([rec('c', '1'), rec('m', '2')]), count: 2 },
  ]
  t.equal(await store.replacePacked(p.id, batches, 9n), 3)
  t.same((await collect(store.traverse(p.id))).flat().map(r => `${r.key.toString()}=${r.data.toString()}`), ['c=1', 'm=2', 'z=1'])
  t.equal(store.seqnum(p.id), 9n)
  await expectCode(t, () => store.replacePacked(p.id, [{ packed: packRecords([rec('q', '1')]), count: 2 }], 10n), 'CORRAL_E_FRAME_MALFORMED', 'holds 1 records, its header says 2')
  await expectCode(t, () => store.replacePacked(p.id, [{ packed: packRecords([rec('q', '1')]).subarray(0, 5), count: 1 }], 10n), 'CORRAL_E_FRAME_MALFORMED', 'truncated')
  t.same((await collect(store.traverse(p.id))).flat().map(r => r.key.toString()), ['c', 'm', 'z'], 'the refused pushes changed nothing')
  t.equal(store.seqnum(p.id), 9n)
})

t.test('digest: the same records give the same digest whatever the sequence number; any change in a key, header or data changes it', async t => {
  const one = fresh(t).store
  const two = fresh(t).store
  const a = one.attach('secrets.tdb', 'persistent')
  const b = two.attach('secrets.tdb', 'persistent')
  const writes = [{ key: k('a'), data: k('1'), header: H }, { key: k('b'), data: k('2'), header: H }]
  await one.applyTransaction(a.id, writes, 3n)
  await two.applyTransaction(b.id, writes, 8n)
  const [d1, d2] = [await one.digest(a.id), await two.digest(b.id)]
  t.equal(d1.records, 2, 'the sequence number record is not counted')
  t.equal(d1.digest.length, 32, 'SHA-256')
  t.ok(d1.digest.equals(d2.digest), 'same records, same digest')
  // The layout nodes of different versions compare: u32 LE length, key, u32 LE length, stored value.
  const h = createHash('sha256')
  for (const w of writes) {
    const value = encodeRecord(w.header, w.data)
    const len = (n: number): Buffer => { const b = Buffer.alloc(4); b.writeUInt32LE(n); return b }
    h.update(Buffer.concat([len(w.key.length), w.key, len(value.length), value]))
  }
  t.ok(d1.digest.equals(h.digest()), 'SHA-256 of each key and stored value with their lengths, in key order')
  await two.applyTransaction(b.id, [{ key: k('b'), data: k('2'), header: { ...H, rsn: 2n } }], 9n)
  t.notOk((await two.digest(b.id)).digest.equals(d1.digest), 'a header change shows')
  await two.applyTransaction(b.id, [{ key: k('b'), data: k('2'), header: H }], 10n)
  t.ok((await two.digest(b.id)).digest.equals(d1.digest), 'and changing it back gives the first digest again')
  await two.applyTransaction(b.id, [{ key: k('c'), data: k('3'), header: H }], 11n)
  t.notOk((await two.digest(b.id)).digest.equals(d1.digest), 'an extra record shows')
})
