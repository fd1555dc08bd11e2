import t, { type Test } from 'tap'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DbWriteRequestSchema } from '../../../protocol/gen/corral/v1/database_pb.js'
import { healthyFrom, startCluster, type Cluster } from '../../../engine/cli/local-harness.js'
import { connectControl } from '../../../engine/transport/client.js'
import { ERRORS } from '../../../engine/errors/index.js'
import { dbIdOf, formatDbId } from '../../../engine/database/index.js'
import { corral } from '../../cli/fixtures/daemon.js'

// A 3-node loopback cluster with clustered databases: persistent transactions on every node,
// volatile records migrating, bad input refused, backups, and persistent data surviving kill -9 of
// a non-leader and of the leader while transactions keep coming.
const dir = mkdtempSync(join(tmpdir(), 'corral-databases-'))
let c: Cluster
// Two kills and restarts and some hundred CLI runs: a minute alone, more with another file running beside.
t.setTimeout(300_000)
t.before(async () => { c = await startCluster(dir, 3, 4410) })
t.teardown(() => { c?.stop(); rmSync(dir, { recursive: true, force: true }) })

const ALL = [0, 1, 2]
const cli = (pnn: number, ...args: string[]): ReturnType<typeof corral> => corral(['--socket', c.nodes[pnn].socket, ...args])
const exitOf = (code: keyof typeof ERRORS): number => ERRORS[code].exit
const sleep = async (ms: number): Promise<void> => { await new Promise(resolve => setTimeout(resolve, ms)) }

const healthyEverywhere = async (nodes = ALL): Promise<boolean> => {
  for (const p of nodes) if (await healthyFrom(c, p, ALL) === null) return false
  return true
}
const seqnum = (pnn: number, db: string): number | null => {
  const r = cli(pnn, '--json', 'getdbseqnum', db)
  return r.code === 0 ? (JSON.parse(r.stdout) as { seqnum: number }).seqnum : null
}
// A node's copy of a database, key -> data (utf8), from `catdb --json`.
const contentOf = (pnn: number, db: string): Map<string, string> => {
  const r = cli(pnn, '--json', 'catdb', db)
  if (r.code !== 0) throw new Error(`catdb ${db} on node ${pnn} failed (${r.code}): ${r.stderr}`)
  const recs = (JSON.parse(r.stdout) as { records: Array<{ key: string, data: string }> }).records
  return new Map(recs.map(x => [Buffer.from(x.key, 'base64').toString(), Buffer.from(x.data, 'base64').toString()]))
}
const leaderOf = async (): Promise<number> => (await c.waitFor('a leader', async () => { const s = await healthyFrom(c, 0, ALL); return s === null ? null : { l: s.leader } })).l

t.test('a fresh cluster is healthy and has no databases', async t => {
  await c.waitFor('a healthy cluster', async () => await healthyEverywhere(), 60_000)
  const r = cli(0, 'getdbmap')
  t.equal(r.code, 0, r.stderr)
  t.equal(r.stdout, 'Number of databases:0\n')
})

t.test('attach puts a database on every node; getdbmap shows CTDB\'s layout', async t => {
  const p = cli(0, 'attach', 'registry.tdb', 'persistent')
  t.equal(p.code, 0, p.stderr)
  t.match(p.stdout, /^dbid:0x[0-9a-f]{8} name:registry\.tdb PERSISTENT\n$/)
  const v = cli(1, 'attach', 'locking.tdb')
  t.equal(v.code, 0, v.stderr)
  t.equal(v.stdout, 'dbid:0x7a19d84d name:locking.tdb\n', 'CTDB\'s id for locking.tdb, no kind word for volatile')
  t.equal(cli(2, 'attach', 'g_lock.tdb', 'replicated').code, 0)
  t.equal(cli(0, 'attach', 'registry.tdb', 'persistent').code, 0, 'attach again with the same kind is fine')
  const id = p.stdout.match(/dbid:(0x[0-9a-f]{8})/)![1]
  for (const pnn of ALL) {
    const m = cli(pnn, 'getdbmap')
    t.equal(m.code, 0, m.stderr)
    const lines = m.stdout.trimEnd().split('\n')
    t.equal(lines[0], 'Number of databases:3', `node ${pnn}: the count first`)
    t.same(lines.slice(1).sort(), [
      `dbid:${id} name:registry.tdb PERSISTENT`,
      'dbid:0x7a19d84d name:locking.tdb',
      `dbid:${formatDbId(dbIdOf('g_lock.tdb'))} name:g_lock.tdb REPLICATED`,
    ].sort(), `node ${pnn}: one line per database`)
  }
  t.equal(id, formatDbId(dbIdOf('registry.tdb')), 'the id is the Jenkins hash of the name')
  const j = JSON.parse(cli(2, '--json', 'getdbmap').stdout) as { dbs: Array<{ id: string, name: string, kind: string }> }
  t.same(j.dbs.map(d => [d.name, d.kind]).sort(), [['g_lock.tdb', 'replicated'], ['locking.tdb', 'volatile'], ['registry.tdb', 'persistent']])
})

t.test('pstore on node 0 is seen by pfetch on nodes 1 and 2', async t => {
  const w = cli(0, 'pstore', 'registry.tdb', 'share/public', 'path=/srv/public')
  t.equal(w.code, 0, w.stderr)
  for (const pnn of [1, 2]) {
    const r = cli(pnn, 'pfetch', 'registry.tdb', 'share/public')
    t.equal(r.code, 0, r.stderr)
    t.equal(r.stdout, 'path=/srv/public', `node ${pnn} has it, byte for byte`)
  }
  const file = join(dir, 'fetched.bin')
  t.equal(cli(2, 'pfetch', 'registry.tdb', 'share/public', file).code, 0)
  t.equal(readFileSync(file, 'utf8'), 'path=/srv/public', 'pfetch to a file')
  t.equal(cli(1, 'pfetch', 'registry.tdb', 'no-such-key').stdout, '', 'a missing key prints nothing')
  t.equal(cli(1, 'pdelete', 'registry.tdb', 'share/public').code, 0)
  t.equal(cli(2, 'pfetch', 'registry.tdb', 'share/public').stdout, '', 'pdelete is cluster-wide too')
  t.equal(cli(2, 'pstore', 'registry.tdb', 'share/public', 'path=/srv/public').code, 0, 'pstore from another node')
  t.equal(cli(0, 'pfetch', 'registry.tdb', 'share/public').stdout, 'path=/srv/public')
})

t.test('ptrans writes quoted keys in one transaction; a bad line names file:line and writes nothing', async t => {
  const before = seqnum(0, 'registry.tdb')!
  const good = join(dir, 'good.trans')
  writeFileSync(good, [
    '# a comment',
    '"key with spaces" "value with spaces"',
    '"quote\\"d" "back\\\\slash"',
    '"hex\\41\\42" "x"',
    '',
    'bare word',
  ].join('\n') + '\n')
  const r = cli(1, '--json', 'ptrans', 'registry.tdb', good)
  t.equal(r.code, 0, r.stderr)
  t.same(JSON.parse(r.stdout), { seqnum: before + 1, records: 4 }, 'four records, one sequence number')
  for (const pnn of ALL) {
    const m = contentOf(pnn, 'registry.tdb')
    t.equal(m.get('key with spaces'), 'value with spaces', `node ${pnn}: quoted key and value`)
    t.equal(m.get('quote"d'), 'back\\slash', `node ${pnn}: escaped quote and backslash`)
    t.equal(m.get('hexAB'), 'x', `node ${pnn}: \\XX escapes`)
    t.equal(m.get('bare'), 'word', `node ${pnn}: bare words`)
    t.equal(seqnum(pnn, 'registry.tdb'), before + 1, `node ${pnn}: sequence number bumped once`)
  }

  const bad = join(dir, 'bad.trans')
  writeFileSync(bad, '"never1" "written"\n"never2" "written"\n"three" "fields" "here"\n"never4" "x"\n')
  const b = cli(0, 'ptrans', 'registry.tdb', bad)
  t.equal(b.code, exitOf('CORRAL_E_USAGE'), 'a usage error')
  t.match(b.stderr, `${bad}:3: expected "KEY" "VALUE", got 3 field(s)`, 'the message names file:line')
  for (const pnn of ALL) {
    t.equal(seqnum(pnn, 'registry.tdb'), before + 1, `node ${pnn}: sequence number unchanged`)
    const m = contentOf(pnn, 'registry.tdb')
    t.notOk(m.has('never1') || m.has('never2') || m.has('never4'), `node ${pnn}: nothing of the bad file written`)
  }
  const viaStdin = corral(['--socket', c.nodes[2].socket, 'ptrans', 'registry.tdb'], { input: '"stdin key" "stdin value"\n"key with spaces" ""\n' })
  t.equal(viaStdin.code, 0, viaStdin.stderr)
  t.equal(cli(0, 'pfetch', 'registry.tdb', 'stdin key').stdout, 'stdin value', 'ptrans from stdin')
  t.equal(contentOf(0, 'registry.tdb').has('key with spaces'), false, 'an empty value deletes')
  const empty = corral(['--socket', c.nodes[2].socket, 'ptrans', 'registry.tdb'], { input: '# nothing\n' })
  t.equal(empty.code, exitOf('CORRAL_E_USAGE'))
  t.match(empty.stderr, /stdin: no records to write/)
})

t.test('getdbseqnum is the same on every node', async t => {
  const s = ALL.map(p => cli(p, 'getdbseqnum', 'registry.tdb'))
  t.ok(s.every(x => x.code === 0))
  t.match(s[0].stdout, /^0x[0-9a-f]+\n$/, 'hex, as ctdb prints it')
  t.equal(s[1].stdout, s[0].stdout)
  t.equal(s[2].stdout, s[0].stdout)
  t.equal(seqnum(0, 'g_lock.tdb'), 0, 'a replicated database without transactions is at 0')
})

t.test('volatile: a record written on node 0 migrates to node 2 when read there', async t => {
  const w = cli(0, 'writekey', 'locking.tdb', 'lock/file1', 'held-by-0')
  t.equal(w.code, 0, w.stderr)
  const before = JSON.parse(cli(0, '--json', 'catdb', 'locking.tdb').stdout) as { records: Array<{ key: string, rsn: number, dmaster: number }> }
  const mine = before.records.find(x => Buffer.from(x.key, 'base64').toString() === 'lock/file1')!
  t.equal(mine.dmaster, 0, 'node 0 holds it after the write')
  const r = cli(2, 'readkey', 'locking.tdb', 'lock/file1')
  t.equal(r.code, 0, r.stderr)
  t.equal(r.stdout, 'Data: size:9 ptr:[held-by-0]\n', 'CTDB\'s readkey layout')
  const cat = cli(2, 'catdb', 'locking.tdb')
  t.equal(cat.code, 0, cat.stderr)
  const m = cat.stdout.match(/key\(10\) = "lock\/file1"\ndmaster: (\d+)\nrsn: (\d+)\nflags: 0x[0-9a-f]{8}[^\n]*\ndata\(9\) = "held-by-0"\n/)
  t.ok(m, `catdb on node 2 shows the record in CTDB's layout:\n${cat.stdout}`)
  t.equal(m?.[1], '2', 'dmaster is now node 2')
  t.ok(Number(m?.[2]) > mine.rsn, `rsn went up with the migration (${mine.rsn} -> ${m?.[2]})`)
  t.match(cat.stdout, /Dumped \d+ records\n$/)

  t.equal(cli(1, 'writekey', 'locking.tdb', 'lock/file1', 'held-by-1').code, 0, 'a write from node 1 migrates it again')
  t.equal(cli(0, 'readkey', 'locking.tdb', 'lock/file1').stdout, 'Data: size:9 ptr:[held-by-1]\n')
  t.equal(cli(2, 'deletekey', 'locking.tdb', 'lock/file1').code, 0)
  for (const pnn of ALL) t.equal(cli(pnn, 'readkey', 'locking.tdb', 'lock/file1').stdout, 'Data: size:0 ptr:[]\n', `node ${pnn}: deleted`)
  t.equal(cli(0, 'readkey', 'locking.tdb', 'never-written').stdout, 'Data: size:0 ptr:[]\n')
  for (const pnn of ALL) {
    // A delete leaves an empty record (CTDB) until the vacuum (every VacuumInterval) or a recovery drops it.
    const m = cli(pnn, 'catdb', 'locking.tdb').stdout.match(/key\(10\) = "lock\/file1"\ndmaster: \d+\nrsn: \d+\nflags: [^\n]+\ndata\((\d+)\)/)
    t.ok(m === null || m[1] === '0', `node ${pnn}: no copy with data left (${m === null ? 'none' : 'an empty one'})`)
  }
})

t.test('bad input is refused with a clear message and the documented exit status', async t => {
  for (const args of [['pfetch', 'nosuch.tdb', 'k'], ['pstore', 'nosuch.tdb', 'k', 'v'], ['getdbseqnum', 'nosuch.tdb'], ['catdb', 'nosuch.tdb'], ['readkey', 'nosuch.tdb', 'k'], ['getdbstatus', '0x00c0ffee']]) {
    const r = cli(1, ...args)
    t.equal(r.code, exitOf('CORRAL_E_DB_UNKNOWN'), `${args[0]} of an unknown database: exit ${exitOf('CORRAL_E_DB_UNKNOWN')}`)
    t.match(r.stderr, new RegExp(`database ${args[1]} is not attached on node 1`))
  }
  const longKey = 'k'.repeat(1025)
  for (const [cmd, db] of [['pstore', 'registry.tdb'], ['writekey', 'locking.tdb']]) {
    const r = cli(0, cmd, db, longKey, 'v')
    t.equal(r.code, exitOf('CORRAL_E_DB_KEY_TOO_LARGE'), `${cmd}: key over 1024 bytes`)
    t.match(r.stderr, /key of 1025 bytes is larger than the limit of 1024 bytes/, 'size and limit named')
  }
  t.equal(cli(0, 'pstore', 'registry.tdb', 'k'.repeat(1024), 'at-the-limit').code, 0, 'a 1024-byte key is fine')
  const seq = seqnum(0, 'registry.tdb')
  const big = join(dir, 'big.trans')
  writeFileSync(big, `"small" "ok"\n"big" "${'x'.repeat(1024 * 1024 + 1)}"\n`)
  const b = cli(0, 'ptrans', 'registry.tdb', big)
  t.equal(b.code, exitOf('CORRAL_E_DB_VALUE_TOO_LARGE'), 'value over 1 MiB')
  t.match(b.stderr, /value of 1048577 bytes is larger than the limit of 1048576 bytes/)
  t.equal(seqnum(0, 'registry.tdb'), seq, 'nothing of that transaction committed')
  t.equal(cli(2, 'pfetch', 'registry.tdb', 'small').stdout, '')

  const kind = cli(0, 'attach', 'x.tdb', 'bogus')
  t.equal(kind.code, exitOf('CORRAL_E_USAGE'))
  t.match(kind.stderr, /database kind must be persistent or replicated \(default volatile\), got 'bogus'/)
  const clash = cli(0, 'attach', 'locking.tdb', 'persistent')
  t.equal(clash.code, exitOf('CORRAL_E_DB_KIND'))
  t.match(clash.stderr, /database locking\.tdb is attached as volatile, cannot attach it as persistent/)
  const det = cli(2, 'detach', 'registry.tdb')
  t.equal(det.code, exitOf('CORRAL_E_DB_PERSISTENT'))
  t.match(det.stderr, /Persistent database registry\.tdb cannot be detached/)
  t.equal(seqnum(1, 'registry.tdb'), seq, 'still there on the others')
  const gone = cli(0, 'detach', 'nosuch.tdb')
  t.equal(gone.code, exitOf('CORRAL_E_DB_UNKNOWN'))
})

t.test('detach of a volatile database drops it everywhere', async t => {
  t.equal(cli(0, 'attach', 'scratch.tdb').code, 0)
  t.equal(cli(1, 'writekey', 'scratch.tdb', 'k', 'v').code, 0)
  const d = cli(1, 'detach', 'scratch.tdb')
  t.equal(d.code, 0, d.stderr)
  for (const pnn of ALL) t.notMatch(cli(pnn, 'getdbmap').stdout, /scratch\.tdb/, `node ${pnn}: gone`)
})

t.test('backupdb, restoredb and dumpdbbackup round-trip a database', async t => {
  const file = join(dir, 'registry.bak')
  const want = contentOf(1, 'registry.tdb')
  const seq = seqnum(1, 'registry.tdb')!
  const b = cli(1, 'backupdb', 'registry.tdb', file)
  t.equal(b.code, 0, b.stderr)
  t.equal(b.stdout, `Database backed up to ${file}\n`)
  const dump = cli(0, 'dumpdbbackup', file)
  t.equal(dump.code, 0, dump.stderr)
  t.match(dump.stdout, new RegExp(`^dbname: registry\\.tdb\\ndbid: 0x[0-9a-f]{8}\\nkind: persistent\\nseqnum: ${seq}\\ncreated: \\d{4}-\\d\\d-\\d\\dT[^\\n]+Z\\n\\n`))
  t.match(dump.stdout, /key\(9\) = "stdin key"\ndmaster: \d+\nrsn: \d+\nflags: 0x[0-9a-f]{8}[^\n]*\ndata\(11\) = "stdin value"\n/)
  t.match(dump.stdout, /key\(7\) = "quote\\22d"/, 'a quote printed as \\22')
  t.match(dump.stdout, new RegExp(`\\nDumped ${want.size} record\\(s\\)\\n$`))

  const r = cli(1, 'restoredb', file, 'registry-copy.tdb')
  t.equal(r.code, 0, r.stderr)
  t.equal(r.stdout, `Restored ${want.size} records to registry-copy.tdb\n`)
  t.same(contentOf(1, 'registry-copy.tdb'), want, 'the copy holds what was backed up')
  t.equal(seqnum(1, 'registry-copy.tdb'), seq, 'and the sequence number')
  t.match(cli(1, 'getdbmap').stdout, /name:registry-copy\.tdb PERSISTENT/)

  // Restore over the original on one node after wiping it there.
  t.equal(cli(1, 'wipedb', 'registry.tdb').code, 0)
  t.equal(contentOf(1, 'registry.tdb').size, 0, 'wiped')
  t.equal(seqnum(1, 'registry.tdb'), 0)
  const back = cli(1, 'restoredb', file)
  t.equal(back.code, 0, back.stderr)
  t.same(contentOf(1, 'registry.tdb'), want, 'restored in place')
  t.equal(seqnum(1, 'registry.tdb'), seq)

  const bad = join(dir, 'not-a-backup')
  writeFileSync(bad, 'hello')
  const d = cli(0, 'dumpdbbackup', bad)
  t.equal(d.code, exitOf('CORRAL_E_DB_BACKUP_CORRUPT'))
  t.match(d.stderr, bad)
})

// ---- persistent data across kill -9 --------------------------------------------------------------

interface Loop { acked: number[], failed: number, attempts: number, elapsedMs: number }

// Commit one pstore after another on `writer` through its control socket until `stop()` says so,
// at most 300 transactions and 30 s; returns which transactions were acknowledged.
async function commitLoop (writer: number, tag: string, stop: (l: Loop) => boolean): Promise<Loop> {
  const l: Loop = { acked: [], failed: 0, attempts: 0, elapsedMs: 0 }
  const t0 = Date.now()
  const conn = await connectControl(c.nodes[writer].socket, { timeoutMs: 5000 })
  try {
    while (l.attempts < 300 && Date.now() - t0 < 30_000 && !stop(l)) {
      const i = l.attempts++
      try {
        await conn.request(DbWriteRequestSchema, { db: 'registry.tdb', writes: [{ key: Buffer.from(`${tag}/${i}`), data: Buffer.from(`value ${i}`) }] }, { timeoutMs: 15_000 })
        l.acked.push(i)
      } catch {
        l.failed++
        await sleep(100)
      }
    }
  } finally {
    conn.close()
    l.elapsedMs = Date.now() - t0
  }
  return l
}

function alive (pid: number): boolean {
  try { process.kill(pid, 0); return true } catch { return false }
}


async function killAndCommit (t: Test, victim: number, writer: number, tag: string): Promise<void> {
  // Something the victim will hold when it dies, then changed while it is down.
  t.equal(cli(writer, 'pstore', 'registry.tdb', `${tag}/stale`, 'before').code, 0)
  t.equal(cli(writer, 'pstore', 'registry.tdb', `${tag}/doomed`, 'here').code, 0)
  const seqBefore = seqnum(victim, 'registry.tdb')!
  const pid = c.pid(victim)
  let killedAt = -1
  let recoveredAt = -1
  const loop = commitLoop(writer, tag, l => {
    if (killedAt < 0 && l.acked.length >= 20) {
      killedAt = l.attempts
      process.kill(pid, 'SIGKILL')
    }
    if (killedAt >= 0 && recoveredAt < 0 && l.acked.some(i => i > killedAt)) recoveredAt = l.attempts
    // Enough committed without the victim: stop.
    return recoveredAt >= 0 && l.acked.filter(i => i > killedAt).length >= 60
  })
  const l = await loop
  t.comment(`${tag}: ${l.attempts} transactions in ${l.elapsedMs} ms, ${l.acked.length} acknowledged, ${l.failed} refused; first acknowledged again ${recoveredAt - killedAt} attempts after the kill`)
  t.ok(killedAt >= 0, 'the victim was killed during the loop')
  t.ok(l.acked.filter(i => i > killedAt).length > 0, 'transactions were acknowledged again without the victim')
  await c.waitFor('the victim to be gone', async () => !alive(pid), 10_000)

  t.equal(cli(writer, 'pstore', 'registry.tdb', `${tag}/stale`, 'after').code, 0, 'a key changed while the victim is down')
  t.equal(cli(writer, 'pdelete', 'registry.tdb', `${tag}/doomed`).code, 0, 'and one deleted')
  const survivors = ALL.filter(p => p !== victim)
  const seqSurvivors = seqnum(survivors[0], 'registry.tdb')!
  t.ok(seqSurvivors > seqBefore, `the survivors moved on (${seqBefore} -> ${seqSurvivors})`)

  c.restart(victim)
  await c.waitFor('the restarted node in a healthy cluster', async () => await healthyEverywhere(), 90_000)
  const seqs = await c.waitFor('sequence numbers to agree', async () => {
    const s = ALL.map(p => seqnum(p, 'registry.tdb'))
    return s.every(x => x !== null && x === s[0]) ? s : null
  }, 30_000)
  t.ok(seqs[0]! >= seqSurvivors, `every node at ${seqs[0]}, none went back to the victim's ${seqBefore}`)

  const copies = ALL.map(p => contentOf(p, 'registry.tdb'))
  for (const p of ALL) {
    const missing = l.acked.filter(i => copies[p].get(`${tag}/${i}`) !== `value ${i}`)
    t.same(missing, [], `node ${p}: every acknowledged transaction (${l.acked.length}) is there`)
    t.same([...copies[p]].sort(), [...copies[0]].sort(), `node ${p}: the same content as node 0`)
  }
  t.equal(copies[victim].get(`${tag}/stale`), 'after', 'the victim\'s stale copy lost: it has the value written while it was down')
  t.equal(copies[victim].has(`${tag}/doomed`), false, 'and the key deleted while it was down is gone')
  t.equal(cli(victim, 'pfetch', 'registry.tdb', `${tag}/stale`).stdout, 'after')
}

t.test('kill -9 of a non-leader while transactions commit: nothing acknowledged is lost', async t => {
  await c.waitFor('a healthy cluster', async () => await healthyEverywhere(), 60_000)
  const leader = await leaderOf()
  const victim = ALL.filter(p => p !== leader).at(-1)!
  const writer = ALL.find(p => p !== leader && p !== victim)!
  t.comment(`leader ${leader}, killing ${victim}, committing through ${writer}`)
  await killAndCommit(t, victim, writer, 'nonleader')
})

t.test('kill -9 of the leader while transactions commit: nothing acknowledged is lost', async t => {
  await c.waitFor('a healthy cluster', async () => await healthyEverywhere(), 60_000)
  const leader = await leaderOf()
  const writer = ALL.find(p => p !== leader)!
  t.comment(`killing leader ${leader}, committing through ${writer}`)
  await killAndCommit(t, leader, writer, 'leader')
  const after = await leaderOf()
  t.comment(`leader afterwards: ${after}`)
})

t.test('after the restarts every node has every database again', async t => {
  for (const pnn of ALL) {
    const m = cli(pnn, 'getdbmap').stdout
    t.match(m, /name:locking\.tdb\n/, `node ${pnn}: locking.tdb attached (pushed by the recovery)`)
    t.match(m, /name:g_lock\.tdb REPLICATED/, `node ${pnn}: g_lock.tdb attached`)
    t.match(m, /name:registry-copy\.tdb PERSISTENT/, `node ${pnn}: registry-copy.tdb, restored on node 1 only, reached it through a recovery`)
  }
  const copies = ALL.map(p => contentOf(p, 'registry-copy.tdb'))
  t.ok(copies[0].size > 0)
  t.same([...copies[2]].sort(), [...copies[0]].sort(), 'with the same content')
  // Deleted and never-written volatile keys left empty records behind (readkey migrates them too);
  // a recovery drops those and pushes the rest as MIGRATED_WITH_DATA.
  for (const pnn of ALL) {
    const recs = (JSON.parse(cli(pnn, '--json', 'catdb', 'locking.tdb').stdout) as { records: Array<{ key: string, flags: number, data: string }> }).records
    t.same(recs.filter(x => x.data === '').map(x => Buffer.from(x.key, 'base64').toString()), [], `node ${pnn}: no empty record survived the recoveries`)
    t.ok(recs.every(x => (x.flags & 0x10000) !== 0), `node ${pnn}: every volatile record came through a recovery push`)
  }
  t.equal(cli(2, 'writekey', 'locking.tdb', 'after-restarts', 'yes').code, 0)
  t.equal(cli(0, 'readkey', 'locking.tdb', 'after-restarts').stdout, 'Data: size:3 ptr:[yes]\n')
})
