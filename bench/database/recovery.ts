// Database recovery on a local 3-node cluster (real corrald processes on 127.0.0.1-3, port 4420):
// 10k, 100k and 1M records (16-byte keys, 100-byte values) over 4 databases, persistent (one node
// holds them all with the highest sequence number; the leader streams them to the two others) and
// volatile (a third of the keys on each node, one in ten with a second copy of another RSN on the
// next node; the leader merges and pushes the result to all). Reported: the leader's recovery time
// (its "recovery finished" log line), time per record, the membership loop's lag p99/max during
// the recovery, the leader's peak RSS during the largest one (VmRSS every 50 ms).
// Baseline: the same records on a local CTDB (Debian's ctdb package) when installed (ctdb-local.ts).
//
// The records are a FIXTURE written behind the daemons' backs, not through the cluster: persistent
// ones into a stopped node's store (LocalStore, then the daemon is started again and its return
// triggers the recovery); volatile ones straight into each running daemon's LMDB sub-dbs (raw
// `lmdb`), then `corral recover`.
//
// Run: npm run build && node dist/bench/database/recovery.js
//   BENCH_DB_MAX=100000 (largest size; default 1000000, run-all uses 100000), BENCH_DB_RUNS (runs
//   for sizes <= 100k, default 5; 1M: 3), BENCH_CTDB=0 skips the CTDB baseline, BENCH_DB_KINDS=volatile
//   runs one kind, BENCH_KEEP=1 keeps the cluster directories (logs) for a look afterwards.
import { spawnSync } from 'node:child_process'
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, readSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { open as openLmdb } from 'lmdb'
import { DbMapRequestSchema } from '../../protocol/gen/corral/v1/database_pb.js'
import { healthyFrom, startCluster, type Cluster } from '../../engine/cli/local-harness.js'
import { DATABASE_DIR_NAME } from '../../engine/config/defaults.js'
import { packageRoot } from '../../engine/config/package-root.js'
import { dbIdOf, encodeRecord, LocalStore, subDbName } from '../../engine/database/index.js'
import { connectControl } from '../../engine/transport/client.js'
import { median, printTable, type BenchRow } from '../lib.js'
import { CtdbCluster, ctdbMissing } from './ctdb-local.js'
import { dbNames, DBS, keyOf, NODES, perDb, valueOf, volatileCopies, volatileWinner } from './fixture.js'

type Kind = 'persistent' | 'volatile'

const PORT = 4420
const MAX = Number(process.env.BENCH_DB_MAX ?? 1_000_000)
const SIZES = [10_000, 100_000, 1_000_000].filter(n => n <= MAX)
const RUNS_SMALL = Math.max(5, Number(process.env.BENCH_DB_RUNS ?? 5))
const runsFor = (n: number): number => n <= 100_000 ? RUNS_SMALL : 3
const CHUNK = 10_000
const QUIET_MS = 2000
const MAX_RETRIES = 2
const WITH_CTDB = process.env.BENCH_CTDB !== '0'
const KINDS = (['persistent', 'volatile'] as const).filter(k => (process.env.BENCH_DB_KINDS ?? 'persistent,volatile').split(',').includes(k))
const KEEP = process.env.BENCH_KEEP === '1'
const REPRODUCE = 'npm run build && node dist/bench/database/recovery.js'

const T0 = Date.now()
const say = (s: string): void => { process.stderr.write(`[db-recovery +${((Date.now() - T0) / 1000).toFixed(0)}s] ${s}\n`) }
const sleep = async (ms: number): Promise<void> => { await new Promise(resolve => setTimeout(resolve, ms)) }
const waitMsFor = (n: number): number => 60_000 + n / 10 // 1M: 160 s at most

interface Sample { ms: number, wallMs: number, failed: number, dbMs: number, records: number, lagP99: number, lagMax: number, peakRss: Rss, idleRss: Rss, extra: number, odd: string[] }

// ---------------------------------------------------------------- the leader's log

interface LogLine { msg?: string, time?: number, generation?: number, nodes?: number[], ms?: number, dbs?: unknown, records?: number, loopLagP99Ms?: number, loopLagMaxMs?: number, level?: number }

class LogTail {
  #offset: number
  #rest = ''
  constructor (readonly file: string) { this.#offset = existsSync(file) ? statSync(file).size : 0 }

  read (): LogLine[] {
    if (!existsSync(this.file)) return []
    const size = statSync(this.file).size
    if (size <= this.#offset) return []
    const fd = openSync(this.file, 'r')
    const buf = Buffer.alloc(size - this.#offset)
    try { readSync(fd, buf, 0, buf.length, this.#offset) } finally { closeSync(fd) }
    this.#offset = size
    const text = this.#rest + buf.toString('utf8')
    const parts = text.split('\n')
    this.#rest = parts.pop() ?? ''
    const out: LogLine[] = []
    for (const p of parts) { try { out.push(JSON.parse(p) as LogLine) } catch { /* not JSON */ } }
    return out
  }
}

// The first recovery over all three nodes after the tail's start: its finished line and what went wrong.
async function awaitRecovery (tail: LogTail, records: number, ms: number): Promise<{ done: LogLine, dbLine: LogLine | undefined, odd: string[], failed: number }> {
  const end = Date.now() + ms
  const full = new Set<number>()
  const odd: string[] = []
  let failed = 0
  let dbLine: LogLine | undefined
  for (;;) {
    for (const l of tail.read()) {
      const msg = l.msg ?? ''
      if (msg.startsWith('recovery started') && l.nodes?.length === NODES && l.generation !== undefined) full.add(l.generation)
      if (msg.startsWith('recovered ') && l.generation !== undefined && full.has(l.generation)) dbLine = l
      if (msg.startsWith('recovery failed')) failed++
      if ((l.level ?? 0) >= 50 || /banning|recovery failed|ban /i.test(msg)) odd.push(msg)
      if (msg.startsWith('recovery finished') && l.generation !== undefined && full.has(l.generation)) {
        if ((l.dbs as number) >= DBS && l.records === records) return { done: l, dbLine, odd, failed }
        odd.push(`a recovery finished with ${String(l.dbs)} dbs and ${String(l.records)} records, expected ${records}: ${msg}`)
      }
    }
    if (Date.now() > end) throw new Error(`no recovery of ${records} records finished in ${ms} ms${odd.length > 0 ? `: ${odd.join('; ')}` : ''}`)
    await sleep(20)
  }
}

// ---------------------------------------------------------------- processes

interface Rss { rss: number, anon: number, file: number }

// VmRSS, and its anonymous (heap) and file-backed (LMDB's map) parts, in MB.
function rssOf (pid: number): Rss {
  try {
    const s = readFileSync(`/proc/${pid}/status`, 'utf8')
    const kb = (f: string): number => Number(new RegExp(`${f}:\\s+(\\d+) kB`).exec(s)?.[1] ?? 0) / 1024
    return { rss: kb('VmRSS'), anon: kb('RssAnon'), file: kb('RssFile') + kb('RssShmem') }
  } catch {
    return { rss: 0, anon: 0, file: 0 }
  }
}

// Why: the peak, not an end value: VmRSS every 50 ms while the recovery runs.
function sampleRss (pid: number): { stop: () => Rss } {
  const peak = rssOf(pid)
  const take = (): void => { const r = rssOf(pid); for (const k of ['rss', 'anon', 'file'] as const) peak[k] = Math.max(peak[k], r[k]) }
  const t = setInterval(take, 50)
  return { stop: () => { clearInterval(t); take(); return peak } }
}

const alive = (pid: number): boolean => { try { return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('corrald') } catch { return false } }

async function stopDaemon (c: Cluster, pnn: number): Promise<void> {
  const pid = c.pid(pnn)
  if (!alive(pid)) return
  process.kill(pid, 'SIGTERM')
  const end = Date.now() + 15_000
  while (alive(pid) && Date.now() < end) await sleep(50)
  if (alive(pid)) process.kill(pid, 'SIGKILL')
  while (alive(pid) && Date.now() < end + 5000) await sleep(50)
}


function corral (c: Cluster, pnn: number, args: string[]): string {
  const r = spawnSync(process.execPath, [join(packageRoot(), 'dist', 'cli', 'corral.js'), '--socket', c.nodes[pnn].socket, ...args], { encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' }, timeout: 60_000 })
  if (r.status !== 0) throw new Error(`corral ${args.join(' ')} on node ${pnn} failed: ${r.stderr}${r.stdout}`)
  return r.stdout
}

async function dbMap (c: Cluster, pnn: number): Promise<Map<string, { records: number, seqnum: bigint }>> {
  const conn = await connectControl(c.nodes[pnn].socket, { timeoutMs: 5000 })
  try {
    const r = await conn.request(DbMapRequestSchema, {}, { timeoutMs: 60_000 })
    return new Map(r.dbs.map(d => [d.name, { records: Number(d.records), seqnum: d.seqnum }]))
  } finally {
    conn.close()
  }
}

async function healthy (c: Cluster, ms = 60_000): Promise<number> {
  const s = await c.waitFor('a healthy cluster', async () => {
    const all = await Promise.all([0, 1, 2].map(p => healthyFrom(c, p, [0, 1, 2])))
    return all.every(v => v !== null) && all.every(v => v!.leader === all[0]!.leader && v!.generation === all[0]!.generation) ? all[0] : null
  }, ms)
  return s.leader
}

// ---------------------------------------------------------------- corral, persistent

// One node (not the leader) is stopped, its store wiped and refilled with a higher sequence
// number, and started again; its return is the recovery measured.
async function persistentRun (c: Cluster, n: number, run: number): Promise<Sample> {
  const leader = await healthy(c)
  const source = (leader + 1) % NODES
  const leaderLog = c.nodes[leader].logFile
  const tail = new LogTail(leaderLog)
  await stopDaemon(c, source)
  // The two-node recovery that follows the stop must be over before the node comes back.
  await c.waitFor('the recovery without the stopped node', async () => {
    for (const l of tail.read()) if ((l.msg ?? '').startsWith('recovery finished')) return true
    return false
  }, waitMsFor(n))
  const store = LocalStore.open(join(c.nodes[source].dir, 'state', DATABASE_DIR_NAME), { pnn: source })
  const seqnums = new Map<string, bigint>()
  try {
    for (const [d, name] of dbNames('persistent').entries()) {
      const info = store.attach(name, 'persistent')
      let s = store.seqnum(info.id)
      await store.wipe(info.id)
      const value = valueOf(run)
      for (let base = 0; base < perDb(n); base += CHUNK) {
        const writes = []
        for (let i = base; i < Math.min(perDb(n), base + CHUNK); i++) writes.push({ key: keyOf(d, i), data: value, header: { rsn: 1n, dmaster: source, flags: 0 } })
        await store.applyTransaction(info.id, writes, ++s)
      }
      seqnums.set(name, s)
    }
  } finally {
    await store.close()
  }
  const r = await measure(c, leader, n, () => { c.restart(source) })
  // Every node now holds the source's content and sequence numbers.
  for (let p = 0; p < NODES; p++) {
    const m = await dbMap(c, p)
    for (const name of dbNames('persistent')) {
      const d = m.get(name)
      if (d?.records !== perDb(n) || d.seqnum !== seqnums.get(name)) {
        throw new Error(`node ${p}: ${name} has ${String(d?.records)} records, seqnum ${String(d?.seqnum)} after the recovery; expected ${perDb(n)}, ${String(seqnums.get(name))}`)
      }
    }
  }
  return r
}

// Why: one way to time a recovery: the leader's own figures from its log, its RSS sampled meanwhile.
async function measure (c: Cluster, leader: number, n: number, trigger: () => void): Promise<Sample> {
  const pid = c.pid(leader)
  const idle = rssOf(pid)
  const tail = new LogTail(c.nodes[leader].logFile)
  const sampler = sampleRss(pid)
  let peak: Rss = { rss: 0, anon: 0, file: 0 }
  let r
  const t0 = Date.now()
  try {
    trigger()
    r = await awaitRecovery(tail, n, waitMsFor(n))
  } finally {
    peak = sampler.stop()
  }
  const extra = await settle(tail, waitMsFor(n))
  const dbMsMatch = /in (\d+) ms/.exec(r.dbLine?.msg ?? '')
  return {
    ms: r.done.ms ?? Number.NaN,
    wallMs: (r.done.time ?? Number.NaN) - t0,
    failed: r.failed,
    dbMs: dbMsMatch === null ? Number.NaN : Number(dbMsMatch[1]),
    records: r.done.records ?? 0,
    lagP99: r.done.loopLagP99Ms ?? Number.NaN,
    lagMax: r.done.loopLagMaxMs ?? Number.NaN,
    peakRss: peak,
    idleRss: idle,
    extra: extra.count,
    odd: [...r.odd, ...extra.odd],
  }
}

// Why: the next run must not fill the stores while a recovery still runs. Waits until every
// recovery the leader started has finished and none started for QUIET_MS; counts them.
async function settle (tail: LogTail, ms: number): Promise<{ count: number, odd: string[] }> {
  const end = Date.now() + ms
  const open = new Set<number>()
  const odd: string[] = []
  let count = 0
  let quietSince = Date.now()
  for (;;) {
    for (const l of tail.read()) {
      const msg = l.msg ?? ''
      if (msg.startsWith('recovery started') && l.generation !== undefined) { open.add(l.generation); count++; quietSince = Date.now() }
      if ((msg.startsWith('recovery finished') || msg.startsWith('recovery failed')) && l.generation !== undefined) { open.delete(l.generation); quietSince = Date.now() }
      if (msg.startsWith('recovery failed')) { open.clear(); quietSince = Date.now() }
      if ((l.level ?? 0) >= 50 || /banning/i.test(msg)) odd.push(`after: ${msg}`)
    }
    if (open.size === 0 && Date.now() - quietSince >= QUIET_MS) return { count, odd }
    if (Date.now() > end) throw new Error(`the cluster did not settle in ${ms} ms after the recovery (${count} more recoveries started)`)
    await sleep(50)
  }
}

// ---------------------------------------------------------------- corral, volatile

// Each running daemon's sub-dbs are emptied and refilled from this process (the fixture), then
// `corral recover` on the leader.
async function volatileRun (c: Cluster, n: number, run: number): Promise<Sample> {
  const leader = await healthy(c)
  for (let p = 0; p < NODES; p++) {
    const env = openLmdb<Buffer, Buffer>({ path: join(c.nodes[p].dir, 'state', DATABASE_DIR_NAME), maxDbs: 1024, keyEncoding: 'binary', encoding: 'binary' })
    try {
      for (const [d, name] of dbNames('volatile').entries()) {
        const db = env.openDB<Buffer, Buffer>(subDbName(dbIdOf(name)), { keyEncoding: 'binary', encoding: 'binary' })
        const values = new Map<number, Buffer>()
        let batch: Array<[Buffer, Buffer]> = []
        const flush = (): void => { const b = batch; batch = []; env.transactionSync(() => { for (const [k, v] of b) db.putSync(k, v) }) }
        env.transactionSync(() => { db.clearSync() })
        for (const copy of volatileCopies(p, perDb(n), run)) {
          let v = values.get(copy.tag)
          if (v === undefined) { v = valueOf(copy.tag); values.set(copy.tag, v) }
          batch.push([keyOf(d, copy.i), encodeRecord({ rsn: copy.rsn, dmaster: p, flags: 0 }, v)])
          if (batch.length >= CHUNK) flush()
        }
        flush()
      }
    } finally {
      await env.close()
    }
  }
  const r = await measure(c, leader, n, () => { corral(c, leader, ['recover']) })
  await checkVolatile(c, n, run)
  return r
}

// Every node holds the merged content; a sample of keys carries the winning copy, leader as dmaster.
async function checkVolatile (c: Cluster, n: number, run: number): Promise<void> {
  const leader = await healthy(c)
  for (let p = 0; p < NODES; p++) {
    const m = await dbMap(c, p)
    for (const name of dbNames('volatile')) {
      const d = m.get(name)
      if (d?.records !== perDb(n)) throw new Error(`node ${p}: ${name} has ${String(d?.records)} records after the recovery, expected ${perDb(n)}`)
    }
  }
  const env = openLmdb<Buffer, Buffer>({ path: join(c.nodes[(leader + 1) % NODES].dir, 'state', DATABASE_DIR_NAME), maxDbs: 1024, keyEncoding: 'binary', encoding: 'binary', readOnly: true })
  try {
    const db = env.openDB<Buffer, Buffer>(subDbName(dbIdOf(dbNames('volatile')[1])), { keyEncoding: 'binary', encoding: 'binary' })
    for (let i = 0; i < perDb(n); i += Math.max(1, Math.floor(perDb(n) / 997))) {
      const v = db.get(keyOf(1, i))
      const want = volatileWinner(i, run)
      if (v === undefined || v.readBigUInt64LE(0) !== want.rsn || v.readUInt32LE(8) !== leader || v[24] !== want.first) {
        throw new Error(`key ${keyOf(1, i).toString('latin1')} after the merge: ${v === undefined ? 'missing' : `rsn ${v.readBigUInt64LE(0)}, dmaster ${v.readUInt32LE(8)}, data ${String.fromCharCode(v[24])}`}; expected rsn ${want.rsn}, dmaster ${leader}, data ${String.fromCharCode(want.first)}`)
      }
    }
  } finally {
    await env.close()
  }
}

// ---------------------------------------------------------------- series

interface Series { samples: Map<number, Sample[]>, failures: Map<number, string[]> }

// A run that fails (no recovery in time, a cluster that does not come back) is recorded as such,
// and the remaining runs go on with a fresh cluster.
async function corralSeries (kind: Kind): Promise<Series> {
  const samples = new Map<number, Sample[]>()
  const failures = new Map<number, string[]>()
  let c: Cluster | undefined
  let dir = ''
  const stop = (): void => {
    if (c === undefined) return
    c.stop()
    c = undefined
    if (KEEP) say(`kept ${dir}`)
    else rmSync(dir, { recursive: true, force: true })
  }
  stopAll.push(stop)
  const fresh = async (): Promise<Cluster> => {
    stop()
    dir = mkdtempSync(join(tmpdir(), `corral-bench-dbrec-${kind}-`))
    c = await startCluster(dir, NODES, PORT)
    await healthy(c)
    for (const name of dbNames(kind)) corral(c, 0, ['attach', name, ...(kind === 'persistent' ? ['persistent'] : [])])
    await healthy(c)
    return c
  }
  try {
    let cl = await fresh()
    let run = 0
    for (const n of SIZES) {
      const xs: Sample[] = []
      const bad: string[] = []
      // Failed runs are retried on a fresh cluster, at most MAX_RETRIES times per size.
      for (let i = 0; xs.length < runsFor(n) && i < runsFor(n) + MAX_RETRIES; i++) {
        try {
          const s = kind === 'persistent' ? await persistentRun(cl, n, ++run) : await volatileRun(cl, n, ++run)
          say(`corral ${kind} ${n} records, run ${i + 1}: ${s.ms} ms (databases ${s.dbMs} ms; trigger to recovered ${s.wallMs} ms, ${s.failed} failed attempts first), loop lag p99 ${s.lagP99.toFixed(1)} ms max ${s.lagMax.toFixed(1)} ms, leader RSS ${s.idleRss.rss.toFixed(0)} -> peak ${s.peakRss.rss.toFixed(0)} MB (anon ${s.idleRss.anon.toFixed(0)} -> ${s.peakRss.anon.toFixed(0)}, file ${s.idleRss.file.toFixed(0)} -> ${s.peakRss.file.toFixed(0)}), ${s.extra} more recoveries after it${s.odd.length > 0 ? `; ODD: ${s.odd.join(' | ')}` : ''}`)
          xs.push(s)
        } catch (err) {
          const why = (err as Error).message
          say(`corral ${kind} ${n} records, run ${i + 1} FAILED: ${why}`)
          bad.push(why)
          cl = await fresh()
        }
      }
      samples.set(n, xs)
      failures.set(n, bad)
    }
  } finally {
    stop()
  }
  return { samples, failures }
}

async function ctdbSeries (kind: Kind): Promise<Map<number, number[]>> {
  const dir = mkdtempSync(join(tmpdir(), `corral-bench-dbrec-ctdb-${kind}-`))
  const cl = new CtdbCluster(dir)
  const stop = async (): Promise<void> => { await cl.stop() }
  stopAll.push(() => { void stop() })
  const out = new Map<number, number[]>()
  try {
    await cl.start()
    cl.attach(kind)
    let run = 0
    for (const n of SIZES) {
      const xs: number[] = []
      for (let i = 0; i < runsFor(n); i++) {
        const source = (cl.leader() + 1) % NODES
        cl.fill(kind, n, ++run, source)
        const r = await cl.recover(waitMsFor(n))
        const got = cl.counts((source + 1) % NODES, kind)
        if (got.some(x => x !== perDb(n))) throw new Error(`CTDB ${kind}: node ${(source + 1) % NODES} holds ${got.join(',')} records per database after the recovery, expected ${perDb(n)}`)
        say(`ctdb ${kind} ${n} records, run ${i + 1}: ${r.ms.toFixed(0)} ms${r.odd.length > 0 ? `; ODD: ${r.odd.join(' | ')}` : ''}`)
        xs.push(r.ms)
      }
      out.set(n, xs)
    }
  } finally {
    await stop()
    rmSync(dir, { recursive: true, force: true })
  }
  return out
}

// ---------------------------------------------------------------- main

const stopAll: Array<() => void> = []
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => { for (const f of stopAll) { try { f() } catch {} } process.exit(130) })
}

const label = (n: number): string => n >= 1_000_000 ? `${n / 1_000_000}M` : `${n / 1000}k`
const results = new Map<Kind, Series>()
const baselines = new Map<Kind, Map<number, number[]>>()
let ctdbWhy: string | null = WITH_CTDB ? ctdbMissing() : 'skipped (BENCH_CTDB=0)'
for (const kind of KINDS) {
  results.set(kind, await corralSeries(kind))
  if (ctdbWhy === null) {
    try {
      baselines.set(kind, await ctdbSeries(kind))
    } catch (err) {
      ctdbWhy = `CTDB run failed: ${(err as Error).message.split('\n')[0]}`
      say(ctdbWhy)
    }
  }
}

// Medians and maxima that stay NaN when every run of a size failed.
const med = (xs: number[]): number => xs.length === 0 ? Number.NaN : median(xs)
const max = (xs: number[]): number => xs.length === 0 ? Number.NaN : Math.max(...xs)

const rows: BenchRow[] = []
const odd: string[] = []
for (const kind of KINDS) {
  const { samples: rs, failures } = results.get(kind)!
  const ok = (n: number): Sample[] => rs.get(n) ?? []
  for (const n of SIZES) {
    const xs = ok(n)
    const bad = failures.get(n) ?? []
    const base = baselines.get(kind)?.get(n)
    const notes = [
      base === undefined ? `CTDB n/a (${ctdbWhy ?? 'not measured'})` : `CTDB 4.17 local, same records, median of ${base.length}`,
      n === 100_000 ? 'target >= 3x faster than CTDB (ratio <= 0.33)' : '',
      `databases step ${med(xs.map(s => s.dbMs)).toFixed(0)} ms`,
      bad.length > 0 ? `${bad.length} more run(s) FAILED: ${bad[0].slice(0, 160)}` : '',
    ]
    rows.push({ name: `${kind}: recovery of ${label(n)} records (4 dbs, 3 nodes)`, value: med(xs.map(s => s.ms)), baseline: base === undefined ? null : median(base), unit: 'ms', note: notes.filter(x => x !== '').join('; ') })
    for (const s of xs) odd.push(...s.odd.map(o => `${kind} ${label(n)}: ${o}`))
    for (const b of bad) odd.push(`${kind} ${label(n)}: RUN FAILED: ${b}`)
  }
  for (const n of SIZES) {
    const xs = ok(n)
    rows.push({ name: `${kind}: ${label(n)}, trigger to recovered (failed attempts included)`, value: med(xs.map(s => s.wallMs)), baseline: null, unit: 'ms', note: `${kind === 'persistent' ? 'from starting the refilled daemon' : 'from `corral recover`'}; failed attempts before the good one: median ${med(xs.map(s => s.failed))}, max ${max(xs.map(s => s.failed))}` })
  }
  for (const n of SIZES) {
    const base = baselines.get(kind)?.get(n)
    rows.push({ name: `${kind}: time per record at ${label(n)}`, value: med(ok(n).map(s => s.ms)) * 1000 / n, baseline: base === undefined ? null : median(base) * 1000 / n, unit: 'µs', note: '' })
  }
  if (SIZES.length > 1) {
    const lo = SIZES[0]
    const hi = SIZES[SIZES.length - 1]
    const per = (m: number): number => med(ok(m).map(s => s.ms)) / m
    const b = baselines.get(kind)
    rows.push({ name: `${kind}: scaling ${label(lo)} -> ${label(hi)}, time per record`, value: per(hi) / per(lo), baseline: b === undefined ? null : (median(b.get(hi)!) / hi) / (median(b.get(lo)!) / lo), unit: 'x', note: '1.0 = linear; < 1: fixed costs amortised' })
  }
  for (const n of SIZES) {
    const xs = ok(n)
    rows.push({ name: `${kind}: leader loop lag p99 during ${label(n)} recovery`, value: med(xs.map(s => s.lagP99)), baseline: null, unit: 'ms', note: `target < 50 ms; worst run ${max(xs.map(s => s.lagP99)).toFixed(1)} ms (10 ms histogram resolution)` })
    rows.push({ name: `${kind}: leader loop lag max during ${label(n)} recovery`, value: med(xs.map(s => s.lagMax)), baseline: null, unit: 'ms', note: `worst run ${max(xs.map(s => s.lagMax)).toFixed(1)} ms` })
  }
  const hi = SIZES[SIZES.length - 1]
  const xs = ok(hi)
  const mb = (f: (s: Sample) => number): string => med(xs.map(f)).toFixed(0)
  rows.push({ name: `${kind}: leader peak RSS during ${label(hi)} recovery`, value: med(xs.map(s => s.peakRss.rss)), baseline: null, unit: 'MB', note: `VmRSS every 50 ms; before: ${mb(s => s.idleRss.rss)} MB; peak heap (RssAnon) ${mb(s => s.peakRss.anon)} MB, mapped files (RssFile, LMDB) ${mb(s => s.peakRss.file)} MB; max of runs ${max(xs.map(s => s.peakRss.rss)).toFixed(0)} MB` })
  const extras = SIZES.flatMap(n => ok(n).map(s => s.extra))
  const mean = extras.length === 0 ? Number.NaN : extras.reduce((x, y) => x + y, 0) / extras.length
  rows.push({ name: `${kind}: further full recoveries right after a measured one (mean)`, value: mean, baseline: null, unit: '', note: `median ${med(extras)}, max ${max(extras)} over ${extras.length} runs; each one pulls and pushes every record again` })
}
function oddSummary (lines: string[]): string {
  const counts = new Map<string, number>()
  for (const l of lines) { const k = l.replace(/\d+/g, '#').slice(0, 300); counts.set(k, (counts.get(k) ?? 0) + 1) }
  return [...counts].map(([k, n]) => `- ${n}x ${k}`).join('\n')
}
const runsText = SIZES.map(n => `${label(n)}: ${runsFor(n)}`).join(', ')
printTable(`Database recovery on a local 3-node cluster (median of runs: ${runsText})`, rows, MAX >= 1_000_000 ? REPRODUCE : REPRODUCE.replace('node ', `BENCH_DB_MAX=${MAX} node `))
process.stdout.write([
  'Fixture: the records are written behind the daemons\' backs, not through the cluster: persistent ones into a stopped',
  'node\'s LMDB store (LocalStore.applyTransaction, 10k per transaction, higher sequence number; its restart triggers the',
  'recovery), volatile ones straight into each running daemon\'s LMDB sub-dbs (raw lmdb), then `corral recover`.',
  'Recovery time = the leader\'s "recovery finished" line (freeze, startrecovery, all databases, end phase, recovered).',
  'CTDB: python3-tdb writes the same records into the running ctdbd\'s TDB files, then `ctdb recover`; time from the',
  'leader\'s log, "Starting do_recovery" to "recovered event finished".',
  `A run that fails (no recovery of all the records in time, or no healthy cluster afterwards) is left out of the medians,`,
  `counted in the note, and run again on a fresh cluster (at most ${MAX_RETRIES} extra runs per size).`,
  odd.length > 0 ? `Odd (log lines at error level or about bans, during or right after the measured recoveries; numbers as #):\n${oddSummary(odd)}` : 'No errors, failed recoveries or bans during the measured recoveries.',
  '',
].join('\n') + '\n')
