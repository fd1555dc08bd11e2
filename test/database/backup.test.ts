import t, { type Test } from 'tap'
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { BACKUP_MAGIC, dbIdOf, escapeBytes, LocalStore, type RecordHeader, type StoredRecord } from '../../engine/database/index.js'
import { CorralError } from '../../engine/errors/index.js'

const root = mkdtempSync(join(tmpdir(), 'corral-backup-'))
t.teardown(() => { rmSync(root, { recursive: true, force: true }) })
let dirs = 0

function fresh (t: Test): LocalStore {
  const store = LocalStore.open(join(root, `s${++dirs}`), { pnn: 2 })
  t.teardown(async () => { await store.close() })
  return store
}

const k = (s: string): Buffer => Buffer.from(s)
const H: RecordHeader = { rsn: 1n, dmaster: 1, flags: 0 }

async function all (store: LocalStore, id: number): Promise<StoredRecord[]> {
  const out: StoredRecord[] = []
  for await (const b of store.traverse(id)) out.push(...b)
  return out
}

async function lines (store: LocalStore, file: string): Promise<string[]> {
  const out: string[] = []
  for await (const l of store.dumpBackup(file)) out.push(l)
  return out
}

async function restoreError (store: LocalStore, file: string): Promise<CorralError> {
  try {
    await store.restore(file)
  } catch (err) {
    if (err instanceof CorralError) return err
    throw err
  }
  throw new Error('restore did not fail')
}

// A persistent database with a few records of every shape, backed up to a file.
async function sample (t: Test): Promise<{ store: LocalStore, id: number, file: string, records: StoredRecord[] }> {
  const store = fresh(t)
  const { id } = store.attach('registry.tdb', 'persistent')
  await store.put(id, k('empty'), { rsn: 3n, dmaster: 0, flags: 0x10000 }, new Uint8Array(0))
  await store.put(id, Buffer.from([0, 1, 0xff]), { rsn: 2n ** 40n, dmaster: 7, flags: 0 }, k('a "quoted" \\ value'))
  await store.put(id, k('key'), H, Buffer.alloc(300_000, 0x41))
  await store.applyTransaction(id, [{ key: k('tx'), data: k('1') }], 42n)
  const file = join(root, `backup-${dirs}.bin`)
  t.equal(await store.backup(id, file), 4)
  return { store, id, file, records: await all(store, id) }
}

t.test('backup then restore gives back every record, header and the sequence number', async t => {
  const { store, id, file, records } = await sample(t)
  t.notOk(existsSync(`${file}.tmp`), 'no temporary file left')
  t.equal(statSync(file).mode & 0o777, 0o600, 'only the owner can read a backup')
  t.ok(readFileSync(file).subarray(0, 8).equals(BACKUP_MAGIC))
  await store.wipe(id)
  const info = await store.restore(file)
  t.same(info, { id, name: 'registry.tdb', kind: 'persistent', flags: 1 })
  t.same(await all(store, id), records)
  t.equal(store.seqnum(id), 42n)
})

t.test('a restore replaces what the database holds now', async t => {
  const { store, id, file, records } = await sample(t)
  await store.applyTransaction(id, [{ key: k('later'), data: k('x') }, { key: k('tx'), data: null }], 50n)
  await store.restore(file)
  t.same(await all(store, id), records)
  t.equal(store.seqnum(id), 42n)
})

t.test('a backup restores into another store and under another name', async t => {
  const { file, records } = await sample(t)
  const other = fresh(t)
  const info = await other.restore(file, 'copy.tdb')
  t.same(info, { id: dbIdOf('copy.tdb'), name: 'copy.tdb', kind: 'persistent', flags: 1 })
  t.same(await all(other, info.id), records)
  t.equal(other.seqnum(info.id), 42n)
  t.equal(other.byName('registry.tdb'), undefined)
})

t.test('restoring over a database of another kind is CORRAL_E_DB_KIND and changes nothing', async t => {
  const { file } = await sample(t)
  const other = fresh(t)
  const v = other.attach('registry.tdb', 'volatile')
  await other.put(v.id, k('mine'), H, k('1'))
  const err = await restoreError(other, file)
  t.equal(err.code, 'CORRAL_E_DB_KIND')
  t.equal(other.count(v.id), 1)
})

t.test('a volatile database backs up and restores as volatile; an empty one too', async t => {
  const store = fresh(t)
  const v = store.attach('locking.tdb', 'volatile')
  const file = join(root, `vol-${dirs}.bin`)
  t.equal(await store.backup(v.id, file), 0)
  await store.put(v.id, k('x'), H, k('y'))
  const info = await store.restore(file)
  t.equal(info.kind, 'volatile')
  t.equal(store.count(v.id), 0)
  const other = fresh(t)
  t.equal((await other.restore(file)).kind, 'volatile')
})

t.test('dumpBackup prints the database and each record as ctdb dumpdbbackup does', async t => {
  const { store, file } = await sample(t)
  const out = await lines(store, file)
  t.match(out[4], /^created: \d{4}-\d\d-\d\dT/)
  t.same([...out.slice(0, 4), ...out.slice(5)], [
    'dbname: registry.tdb',
    'dbid: 0x6cf2837d',
    'kind: persistent',
    'seqnum: 42',
    '',
    'key(3) = "\\00\\01\\FF"',
    'dmaster: 7',
    'rsn: 1099511627776',
    'flags: 0x00000000',
    'data(18) = "a \\22quoted\\22 \\5C value"',
    '',
    'key(5) = "empty"',
    'dmaster: 0',
    'rsn: 3',
    'flags: 0x00010000 MIGRATED_WITH_DATA',
    'data(0) = ""',
    '',
    'key(3) = "key"',
    'dmaster: 1',
    'rsn: 1',
    'flags: 0x00000000',
    `data(300000) = "${'A'.repeat(300_000)}"`,
    '',
    'key(2) = "tx"',
    'dmaster: 2',
    'rsn: 1',
    'flags: 0x00000000',
    'data(1) = "1"',
    '',
    'Dumped 4 record(s)',
  ])
})

t.test('bytes print as ctdb prints them: printable ASCII as is, the rest as \\XX', async t => {
  t.equal(escapeBytes(Buffer.from('az AZ~')), 'az AZ~')
  t.equal(escapeBytes(Buffer.from([0x1f, 0x7f, 0x22, 0x5c, 0x0a, 0xab])), '\\1F\\7F\\22\\5C\\0A\\AB')
})

t.test('a file with a bad magic is CORRAL_E_DB_BACKUP_CORRUPT naming the file and offset 0', async t => {
  const store = fresh(t)
  const file = join(root, 'not-a-backup.bin')
  writeFileSync(file, 'this is a tdb, honest'.padEnd(100, '.'))
  const err = await restoreError(store, file)
  t.equal(err.code, 'CORRAL_E_DB_BACKUP_CORRUPT')
  t.equal(err.message, `${file}: bad magic (not a corral database backup) at byte offset 0`)
  t.same(err.place, { file })
  t.same(store.list(), [], 'nothing attached')
})

t.test('an unknown version, kind or a name that does not match its id are corrupt', async t => {
  const { store, file } = await sample(t)
  const good = readFileSync(file)
  const cases: Array<[string, (b: Buffer) => void, RegExp]> = [
    ['version', b => b.writeUInt32LE(2, 8), /unsupported backup version 2 .* at byte offset 8$/],
    ['kind', b => b.writeUInt8(9, 12), /unknown database kind 9 at byte offset 12$/],
    ['id', b => b.writeUInt32LE(0x12345678, 16), /database id 0x12345678 does not belong .* at byte offset 16$/],
    ['name length', b => b.writeUInt16LE(0, 40), /name length 0 is out of range at byte offset 40$/],
  ]
  for (const [what, damage, message] of cases) {
    const bad = Buffer.from(good)
    damage(bad)
    const f = join(root, `bad-${what.replace(' ', '-')}.bin`)
    writeFileSync(f, bad)
    const err = await restoreError(store, f)
    t.equal(err.code, 'CORRAL_E_DB_BACKUP_CORRUPT', what)
    t.match(err.message, message, what)
  }
})

t.test('a file cut at any point is corrupt, names the offset, and leaves the database as it was', async t => {
  const { store, id, file, records } = await sample(t)
  const good = readFileSync(file)
  await store.applyTransaction(id, [{ key: k('current'), data: k('1') }], 43n)
  const now = await all(store, id)
  const cuts = [0, 4, 8, 41, 50, 70, 90, 200, 1000, good.length - 13, good.length - 12, good.length - 5, good.length - 1]
  for (const cut of cuts) {
    const f = join(root, `cut-${cut}.bin`)
    writeFileSync(f, good.subarray(0, cut))
    const err = await restoreError(store, f)
    t.equal(err.code, 'CORRAL_E_DB_BACKUP_CORRUPT', `cut at ${cut}`)
    t.match(err.message, /^.*: (truncated: .*|bad magic .*) at byte offset \d+$/, `cut at ${cut}: ${err.message}`)
    const at = Number(/byte offset (\d+)$/.exec(err.message)?.[1])
    t.ok(at <= cut, `the offset ${at} is inside the file of ${cut} bytes`)
  }
  t.same(await all(store, id), now, 'no cut file changed the database')
  t.equal(store.seqnum(id), 43n)
  t.equal(records.length, 4)
})

t.test('a damaged length, a wrong count or bytes after the trailer are corrupt', async t => {
  const { store, file } = await sample(t)
  const good = readFileSync(file)
  const first = 42 + 'registry.tdb'.length
  const cases: Array<[string, Buffer, RegExp]> = [
    ['key length 0', Buffer.concat([good.subarray(0, first), Buffer.alloc(4), good.subarray(first + 4)]), new RegExp(`key length 0 is out of range \\(1\\.\\.1024\\) at byte offset ${first}$`)],
    ['huge data length', (() => { const b = Buffer.from(good); b.writeUInt32LE(0x7fffffff, first + 4); return b })(), new RegExp(`data length 2147483647 is larger than the limit of 1048576 at byte offset ${first + 4}$`)],
    ['wrong count', (() => { const b = Buffer.from(good); b.writeBigUInt64LE(5n, b.length - 8); return b })(), /the trailer counts 5 records but the file holds 4/],
    ['trailing bytes', Buffer.concat([good, Buffer.from('x')]), new RegExp(`unexpected bytes after the trailer at byte offset ${good.length}$`)],
  ]
  for (const [what, bytes, message] of cases) {
    const f = join(root, `damaged-${what.replace(/ /g, '-')}.bin`)
    writeFileSync(f, bytes)
    const err = await restoreError(store, f)
    t.equal(err.code, 'CORRAL_E_DB_BACKUP_CORRUPT', what)
    t.match(err.message, message, what)
  }
})

t.test('dumpBackup of a corrupt file fails with the same error after what it could read', async t => {
  const { store, file } = await sample(t)
  const good = readFileSync(file)
  const f = join(root, 'dump-cut.bin')
  writeFileSync(f, good.subarray(0, good.length - 20))
  const out: string[] = []
  let err: unknown
  try {
    for await (const l of store.dumpBackup(f)) out.push(l)
  } catch (e) { err = e }
  t.ok(err instanceof CorralError && err.code === 'CORRAL_E_DB_BACKUP_CORRUPT')
  t.equal(out[0], 'dbname: registry.tdb')
  t.notOk(out.some(l => l.startsWith('Dumped')))
})

t.test('a missing backup file is a usage error naming the file', async t => {
  const store = fresh(t)
  const f = join(root, 'missing.bin')
  const err = await restoreError(store, f)
  t.equal(err.code, 'CORRAL_E_USAGE')
  t.match(err.message, f)
})

t.test('a backup into a missing directory fails cleanly and leaves no file', async t => {
  const store = fresh(t)
  const { id } = store.attach('x.tdb', 'volatile')
  const f = join(root, 'no-such-dir', 'x.bin')
  await t.rejects(store.backup(id, f), { code: 'CORRAL_E_INTERNAL' })
  t.notOk(existsSync(f))
})
