import t from 'tap'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { LocalStore, type StoredRecord } from '../../engine/database/index.js'

// A sanity check that the store is not pathologically slow; rates are printed, never asserted.
const root = mkdtempSync(join(tmpdir(), 'corral-throughput-'))
t.teardown(() => { rmSync(root, { recursive: true, force: true }) })

const H = { rsn: 1n, dmaster: 0, flags: 0 }
const key = (i: number): Buffer => Buffer.from(`key-${String(i).padStart(8, '0')}`)

function rate (what: string, n: number, started: bigint): void {
  const ms = Number(process.hrtime.bigint() - started) / 1e6
  t.comment(`${what}: ${n} in ${ms.toFixed(0)} ms (${Math.round(n / (ms / 1000))}/s)`)
}

t.test('puts, a traverse, a push and a backup of tens of thousands of records all finish and agree', async t => {
  const store = LocalStore.open(join(root, 'store'), { pnn: 0 })
  t.teardown(async () => { await store.close() })
  const v = store.attach('locking.tdb', 'volatile')
  const value = Buffer.alloc(100, 0x61)

  let start = process.hrtime.bigint()
  for (let i = 0; i < 500; i++) await store.put(v.id, key(i), H, value)
  rate('sequential durable puts', 500, start)

  start = process.hrtime.bigint()
  const N = 20_000
  for (let base = 0; base < N; base += 1000) {
    await Promise.all(Array.from({ length: 1000 }, async (_, i) => { await store.put(v.id, key(base + i), H, value) }))
  }
  rate('concurrent puts (1000 in flight)', N, start)
  t.equal(store.count(v.id), N)

  start = process.hrtime.bigint()
  let seen = 0
  for await (const batch of store.traverse(v.id)) seen += batch.length
  rate('traverse', seen, start)
  t.equal(seen, N)

  const p = store.attach('secrets.tdb', 'persistent')
  const M = 100_000
  async function * push (): AsyncGenerator<StoredRecord[]> {
    for (let base = 0; base < M; base += 1000) {
      yield Array.from({ length: 1000 }, (_, i) => ({ key: key(base + i), header: H, data: value }))
    }
  }
  start = process.hrtime.bigint()
  t.equal(await store.replaceAll(p.id, push(), 1n), M)
  rate('replaceAll', M, start)

  start = process.hrtime.bigint()
  const file = join(root, 'secrets.bak')
  t.equal(await store.backup(p.id, file), M)
  rate('backup', M, start)
  start = process.hrtime.bigint()
  await store.wipe(p.id)
  await store.restore(file)
  rate('restore', M, start)
  t.equal(store.count(p.id), M)
  t.equal(store.seqnum(p.id), 1n)
})
