import t from 'tap'
import { dbIdOf, formatDbId, jenkinsHash } from '../../engine/database/index.js'

// Pairs from CTDB's own unit tests (samba ctdb/tests/UNIT/tool/ctdb.getdbmap.001.sh, ctdb.attach.00[123].sh),
// where the fake daemon computes each id with tdb_jenkins_hash() of the name and its NUL.
// (The ids in ctdb.1.xml's examples come from an older hash and do not apply.)
const CTDB_PAIRS: Array<[string, number]> = [
  ['locking.tdb', 0x7a19d84d],
  ['brlock.tdb', 0x4e66c2b2],
  ['g_lock.tdb', 0x4d2a432b],
  ['secrets.tdb', 0x7132c184],
  ['registry.tdb', 0x6cf2837d],
  ['ctdb-ip.tdb', 0xbc57b384],
  ['ctdb-conn.tdb', 0xbec75f0b],
  ['volatile.tdb', 0x211bf47b],
  ['persistent.tdb', 0x54ef7d5e],
  ['replicated.tdb', 0x84241f7c],
]

t.test('database ids match the ids ctdb gives the same names', async t => {
  for (const [name, id] of CTDB_PAIRS) t.equal(formatDbId(dbIdOf(name)), formatDbId(id), name)
})

t.test('the pairs cover every tail length path: 12 bytes exactly, shorter, and longer than one block', async t => {
  const lengths = new Set(CTDB_PAIRS.map(([n]) => n.length + 1))
  t.ok(lengths.has(12), 'secrets.tdb + NUL is exactly one block')
  t.ok([...lengths].some(l => l < 12))
  t.ok([...lengths].some(l => l > 12))
})

t.test('jenkinsHash is lookup3 hashlittle with initval 0 (published test values)', async t => {
  t.equal(jenkinsHash(new Uint8Array(0)), 0xdeadbeef)
  t.equal(jenkinsHash(Buffer.from('Four score and seven years ago')), 0x17770551)
})

t.test('the hash of a name includes its terminating NUL', async t => {
  t.equal(dbIdOf('locking.tdb'), jenkinsHash(Buffer.from('locking.tdb\0')))
  t.not(dbIdOf('locking.tdb'), jenkinsHash(Buffer.from('locking.tdb')))
})

t.test('names are hashed as UTF-8 and ids are unsigned', async t => {
  t.equal(dbIdOf('é.tdb'), jenkinsHash(Buffer.from('é.tdb\0', 'utf8')))
  for (let i = 0; i < 200; i++) {
    const id = dbIdOf(`db${i}.tdb`)
    t.ok(Number.isInteger(id) && id >= 0 && id <= 0xffffffff)
  }
})

t.test('ids print as 0x and eight lower-case hex digits', async t => {
  t.equal(formatDbId(0x7a19d84d), '0x7a19d84d')
  t.equal(formatDbId(0x1), '0x00000001')
})
