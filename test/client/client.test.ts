import t from 'tap'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { healthyFrom, startCluster, type Cluster } from '../../engine/cli/local-harness.js'
import { connect, type CorralClient } from '../../engine/client/index.js'

// The client library against a 3-node loopback cluster: records held here are read and written
// in LMDB directly; others are migrated by the daemon; locks end with unlock or the client's exit.
const dir = mkdtempSync(join(tmpdir(), 'corral-client-'))
let c: Cluster
const clients: CorralClient[] = []
const client = async (pnn: number): Promise<CorralClient> => {
  const x = await connect({ socket: c.nodes[pnn].socket })
  clients.push(x)
  return x
}
t.before(async () => {
  c = await startCluster(dir, 3, 4412)
  await c.waitFor('a healthy cluster', async () => await healthyFrom(c, 0, [0, 1, 2]), 30_000)
})
t.teardown(async () => {
  for (const x of clients) await x.close().catch(() => undefined)
  c?.stop()
  rmSync(dir, { recursive: true, force: true })
})

t.test('a record written on one node is read on another (migrated there)', async t => {
  const a = await (await client(0)).attach('vol.tdb')
  const b = await (await client(2)).attach('vol.tdb')
  await a.store('k1', 'from node 0')
  t.equal(String(await b.fetch('k1')), 'from node 0')
  await b.store('k1', 'from node 2')
  t.equal(String(await a.fetch('k1')), 'from node 2', 'and back')
  t.equal(await a.fetch('nothing here'), null, 'a missing record is null')
  await a.delete('k1')
  t.equal(await b.fetch('k1'), null, 'a deleted record reads as null everywhere')
})

t.test('a held record is read and written without the daemon', async t => {
  const x = await client(1)
  const v = await x.attach('vol.tdb')
  await v.store('hot', 'one')
  // Held here now: the LMDB copy says so, and a write lands in it directly.
  const raw = v.sub.get(Buffer.from('hot'))!
  t.equal(raw.readUInt32LE(8), x.pnn, 'this node is the data master')
  await v.store('hot', 'two')
  t.equal(String(v.sub.get(Buffer.from('hot'))!.subarray(24)), 'two', 'written straight into LMDB')
})

t.test('fetchLocked holds a record until unlock; a second locker waits', async t => {
  const a = await (await client(0)).attach('vol.tdb')
  const b = await (await client(1)).attach('vol.tdb')
  await a.store('lk', 'v0')
  const l1 = await a.fetchLocked('lk')
  t.equal(String(l1.data), 'v0')
  let second = false
  const p = b.fetchLocked('lk').then(l => { second = true; return l })
  await new Promise(resolve => setTimeout(resolve, 500))
  t.notOk(second, 'the other node waits while the lock is held')
  await l1.store('v1')
  await l1.unlock()
  const l2 = await p
  t.equal(String(l2.data), 'v1', 'then gets the record with the locked write')
  await l2.unlock()
  await t.rejects(l2.unlock(), { code: 'CORRAL_E_USAGE' }, 'unlocking twice is an error')
})

t.test('a lock held by a client that exits is released', async t => {
  const gone = await connect({ socket: c.nodes[0].socket })
  const g = await gone.attach('vol.tdb')
  await g.fetchLocked('orphan')
  await gone.close()
  const b = await (await client(2)).attach('vol.tdb')
  const l = await b.fetchLocked('orphan')
  t.pass('the lock was released when the client went away')
  await l.unlock()
})

t.test('persistent transactions: reads see own writes, commit bumps the sequence number everywhere, cancel writes nothing', async t => {
  const p0 = await (await client(0)).attach('pers.tdb', 'persistent')
  const p2 = await (await client(2)).attach('pers.tdb', 'persistent')
  const tx = p0.transaction()
  tx.store('a', '1')
  t.equal(String(await tx.fetch('a')), '1', 'own write visible inside the transaction')
  t.equal(await p2.fetch('a'), null, 'not elsewhere before commit')
  const seq = await tx.commit()
  t.ok(seq >= 1n)
  t.equal(String(await p2.fetch('a')), '1', 'on node 2 after commit')
  const tx2 = p2.transaction()
  tx2.store('b', '2')
  tx2.cancel()
  t.equal(await p0.fetch('b'), null, 'a cancelled transaction writes nothing')
  t.throws(() => tx2.store('c', '3'), { code: 'CORRAL_E_USAGE' })
  const v = await (await client(0)).attach('vol.tdb')
  t.throws(() => v.transaction(), { code: 'CORRAL_E_DB_KIND' }, 'volatile databases have no transactions')
})

t.test('traverse streams the node\'s records', async t => {
  const p = await (await client(1)).attach('pers.tdb', 'persistent')
  const keys: string[] = []
  for await (const r of p.traverse()) keys.push(String(r.key))
  t.ok(keys.includes('a'))
})

t.test('vacuuming removes deleted records from every node', async t => {
  const { corral } = await import('../cli/fixtures/daemon.js')
  for (const n of c.nodes) t.equal(corral(['--socket', n.socket, 'setvar', 'VacuumInterval', '1']).code, 0)
  const a = await (await client(0)).attach('vac.tdb')
  const b = await (await client(1)).attach('vac.tdb')
  await a.store('gone', 'soon')
  t.equal(String(await b.fetch('gone')), 'soon', 'node 1 has it too (migrated)')
  await b.delete('gone')
  const count = (pnn: number): number => (JSON.parse(corral(['--socket', c.nodes[pnn].socket, '--json', 'catdb', 'vac.tdb']).stdout) as { count: number }).count
  await c.waitFor('no copy of the deleted record left anywhere', async () => [0, 1, 2].every(p => count(p) === 0), 30_000)
  t.equal(await a.fetch('gone'), null, 'and it reads as absent')
})
