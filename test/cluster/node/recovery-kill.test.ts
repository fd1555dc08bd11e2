import t, { type Test } from 'tap'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { healthyFrom, startCluster, type Cluster } from '../../../engine/cli/local-harness.js'
import { connect } from '../../../engine/client/index.js'
import { corral } from '../../cli/fixtures/daemon.js'

// kill -9 during a recovery itself: a node that comes back stale is being pushed 100k persistent
// records when the pushed node, or the leader, is killed. The survivors recover without it, and
// once it is back every node holds the same content, nothing acknowledged lost (CTDB: a recovery
// that loses a node is abandoned and started again; the old content of a half-pushed node stays).
const dir = mkdtempSync(join(tmpdir(), 'corral-recovery-kill-'))
let c: Cluster
t.setTimeout(300_000)
t.before(async () => { c = await startCluster(dir, 3, 4418) })
t.teardown(() => { c?.stop(); rmSync(dir, { recursive: true, force: true }) })

const ALL = [0, 1, 2]
const DB = 'big.tdb'
const PER_TX = 20_000
const cli = (pnn: number, ...args: string[]): ReturnType<typeof corral> => corral(['--socket', c.nodes[pnn].socket, ...args])
const alive = (pid: number): boolean => { try { process.kill(pid, 0); return true } catch { return false } }
const healthy = async (nodes: number[], from = nodes[0]): Promise<boolean> => await healthyFrom(c, from, nodes) !== null
const leaderOf = async (): Promise<number> => (await c.waitFor('a leader', async () => { const s = await healthyFrom(c, 0, ALL); return s === null ? null : { l: s.leader } }, 60_000)).l
const seqnum = (pnn: number): bigint | null => {
  const r = cli(pnn, '--json', 'getdbseqnum', DB)
  return r.code === 0 ? BigInt((JSON.parse(r.stdout) as { seqnum: number }).seqnum) : null
}


async function kill (pnn: number): Promise<void> {
  const pid = c.pid(pnn)
  process.kill(pid, 'SIGKILL')
  await c.waitFor(`node ${pnn} to be gone`, async () => !alive(pid), 10_000)
}

// `count` transactions of PER_TX records through node `via`, values tagged; resolves with the last seqnum.
async function commit (via: number, tag: string, count: number): Promise<bigint> {
  const client = await connect({ socket: c.nodes[via].socket })
  try {
    const db = await client.attach(DB, 'persistent')
    let last = 0n
    for (let x = 0; x < count; x++) {
      const tx = db.transaction()
      for (let i = 0; i < PER_TX; i++) tx.store(`k${String(x * PER_TX + i).padStart(7, '0')}`, `${tag} ${'.'.repeat(80)}`)
      tx.store(`marker/${tag}`, tag)
      last = await tx.commit()
    }
    return last
  } finally {
    await client.close()
  }
}

// The leader is pushing records (not only listing or freezing): the moment to kill.
async function duringPush (leader: number): Promise<number> {
  const end = Date.now() + 60_000
  while (Date.now() < end) {
    const s = await c.status(leader)
    if (s !== null && s.recoveryDbsTotal > 0 && s.recoveryRecords > 0n) return Number(s.recoveryRecords)
    await new Promise(resolve => setImmediate(resolve))
  }
  throw new Error(`no recovery push seen on leader ${leader} in 60 s\n${await c.diagnose()}`)
}

// Every node: the same sequence number, record count, and the markers of every acknowledged transaction.
async function sameEverywhere (t: Test, markers: string[], seq: bigint): Promise<void> {
  const seqs = await c.waitFor('the sequence numbers to agree', async () => {
    const s = ALL.map(seqnum)
    return s.every(x => x !== null && x === s[0]) ? s : null
  }, 60_000)
  t.ok(seqs[0]! >= seq, `every node at sequence number ${String(seqs[0])} (last acknowledged ${seq})`)
  const counts = ALL.map(p => (JSON.parse(cli(p, '--json', 'getdbstatus', DB).stdout) as { db: { records: number } }).db.records)
  t.same(counts, [counts[0], counts[0], counts[0]], `every node holds ${counts[0]} records`)
  for (const p of ALL) {
    for (const m of markers) t.equal(cli(p, 'pfetch', DB, `marker/${m}`).stdout, m, `node ${p} has the transaction marked ${m}`)
    t.equal(cli(p, 'pfetch', DB, 'k0000000').stdout, `${markers.at(-1)!} ${'.'.repeat(80)}`, `node ${p}: the latest value of a key`)
  }
}


t.test('a node killed while the recovery pushes to it keeps nothing half-pushed and catches up when it returns', async t => {
  await c.waitFor('a healthy cluster', async () => await healthy(ALL), 60_000)
  const leader = await leaderOf()
  const victim = ALL.filter(p => p !== leader).at(-1)!
  const writer = ALL.find(p => p !== leader && p !== victim)!
  t.comment(`leader ${leader}, victim ${victim}, writer ${writer}`)
  await commit(writer, 'first', 5)
  await kill(victim)
  const survivors = ALL.filter(p => p !== victim)
  await c.waitFor('the survivors healthy without the victim', async () => (await c.status(leader))?.nodes[victim]?.flags !== 0 && await healthy(survivors, leader), 60_000)
  const seq = await commit(writer, 'second', 1)
  c.restart(victim)
  const pushed = await duringPush(leader)
  await kill(victim)
  t.comment(`killed node ${victim} when the leader had pushed ${pushed} records`)
  await c.waitFor('the survivors healthy again', async () => await healthy(survivors, leader), 60_000)
  c.restart(victim)
  await c.waitFor('the victim back in a healthy cluster', async () => await healthy(ALL), 90_000)
  await sameEverywhere(t, ['first', 'second'], seq)
})

t.test('a leader killed in the middle of a recovery: the next leader recovers, nothing acknowledged is lost', async t => {
  await c.waitFor('a healthy cluster', async () => await healthy(ALL), 60_000)
  const leader = await leaderOf()
  const stale = ALL.filter(p => p !== leader).at(-1)!
  const writer = ALL.find(p => p !== leader && p !== stale)!
  await kill(stale)
  await c.waitFor('the others healthy without it', async () => await healthy(ALL.filter(p => p !== stale), leader), 60_000)
  const seq = await commit(writer, 'third', 1)
  c.restart(stale)
  const pushed = await duringPush(leader)
  await kill(leader)
  t.comment(`killed leader ${leader} when it had pushed ${pushed} records to node ${stale}`)
  const rest = ALL.filter(p => p !== leader)
  await c.waitFor('a new leader and a healthy cluster without the old one', async () => {
    const s = await healthyFrom(c, writer, rest)
    return s !== null && s.leader !== leader
  }, 90_000)
  c.restart(leader)
  await c.waitFor('everyone back and healthy', async () => await healthy(ALL), 90_000)
  await sameEverywhere(t, ['first', 'second', 'third'], seq)
})
