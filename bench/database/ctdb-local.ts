// A local 3-node CTDB (Debian's ctdb package, no Samba) on 127.0.0.1-3, the way ctdb's own
// tests/local_daemons.sh runs one: CTDB_TEST_MODE=yes and one CTDB_BASE per node, failover off.
// It gives the database-recovery benchmark its baseline: the same records (fixture.ts) written
// straight into each node's TDB files with python3-tdb (as smbd writes into the local TDB), then
// `ctdb recover`, timed from the leader's log ("Starting do_recovery" .. "recovered event finished").
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync, openSync, readSync, closeSync } from 'node:fs'
import { join } from 'node:path'
import { dbNames, NODES, perDb, VALUE_BYTES } from './fixture.js'

const PYTHON = '/usr/bin/python3'
const CTDB_START_WAIT_MS = 90_000

// Mirrors fixture.ts: the same keys, values, RSNs and holders.
const FILL_PY = String.raw`
import sys, os, json, struct, tdb
spec = json.loads(sys.stdin.read())
out = []
SEQ = b'__db_sequence_number__\0'
def hdr(rsn, dmaster): return struct.pack('<QIIII', rsn, dmaster, 0, 0, 0)
def val(tag): return bytes([0x41 + tag % 26]) * ${VALUE_BYTES}
def key(db, i): return b'd%dk%013d' % (db, i)
for j in spec['jobs']:
    try:
        t = tdb.Tdb(j['path'], 0, 0, os.O_RDWR)
    except OSError:
        t = tdb.Tdb(j['path'], 0, 4096 | tdb.INCOMPATIBLE_HASH, os.O_RDWR)
    t.transaction_start()
    old = t.get(SEQ)
    seq = struct.unpack('<Q', old[24:32])[0] if old is not None and len(old) == 32 else 0
    t.clear()
    db, n, p, run = j['db'], j['count'], j['pnn'], j['run']
    if j['kind'] == 'persistent':
        h, v = hdr(1, p), val(run)
        for i in range(n): t.store(key(db, i), h + v)
        seq += 1
        t.store(SEQ, hdr(1, p) + struct.pack('<Q', seq))
    else:
        for i in range(n):
            if i % 3 == p: t.store(key(db, i), hdr(5, p) + val(run * 7 + p))
            elif (i % 3 + 1) % 3 == p and i % 10 == 0: t.store(key(db, i), hdr(6 if i % 20 == 0 else 4, p) + val(run * 7 + 3 + p))
    t.transaction_commit()
    t.close()
    out.append(seq)
print(json.dumps(out))
`

const COUNT_PY = String.raw`
import sys, os, tdb
try:
    t = tdb.Tdb(sys.argv[1], 0, 0, os.O_RDONLY)
except OSError:
    t = tdb.Tdb(sys.argv[1], 0, 4096 | tdb.INCOMPATIBLE_HASH, os.O_RDONLY)
print(sum(1 for k in t.keys() if k != b'__db_sequence_number__\0'))
`

/** Why CTDB cannot run here, or null when the pieces are installed. */
export function ctdbMissing (): string | null {
  if (spawnSync('sh', ['-c', 'command -v ctdbd && command -v ctdb'], { encoding: 'utf8' }).status !== 0) return 'ctdbd not installed (apt-get install ctdb)'
  if (spawnSync(PYTHON, ['-c', 'import tdb'], { encoding: 'utf8' }).status !== 0) return `${PYTHON} has no tdb module (apt-get install python3-tdb)`
  return null
}

export interface CtdbRecovery { ms: number, odd: string[] }

export class CtdbCluster {
  readonly bases: string[]
  constructor (readonly dir: string) {
    this.bases = Array.from({ length: NODES }, (_, n) => join(dir, `node.${n}`))
  }

  #env (pnn: number): NodeJS.ProcessEnv {
    return { ...process.env, CTDB_TEST_MODE: 'yes', CTDB_BASE: this.bases[pnn] }
  }

  ctdb (pnn: number, args: string[], timeoutMs = 60_000): string {
    const r = spawnSync('ctdb', args, { env: this.#env(pnn), encoding: 'utf8', timeout: timeoutMs })
    if (r.status !== 0) throw new Error(`ctdb ${args.join(' ')} on node ${pnn} failed (${r.status ?? r.signal}): ${r.stderr}${r.stdout}`)
    return r.stdout
  }

  logFile (pnn: number): string { return join(this.bases[pnn], 'log.ctdb') }

  async start (): Promise<void> {
    const nodes = Array.from({ length: NODES }, (_, n) => `127.0.0.${n + 1}`)
    for (let n = 0; n < NODES; n++) {
      const b = this.bases[n]
      for (const d of ['events/legacy', 'events/notification', 'run', 'var', 'db/volatile', 'db/persistent', 'db/state']) mkdirSync(join(b, d), { recursive: true })
      writeFileSync(join(b, 'nodes'), nodes.join('\n') + '\n')
      writeFileSync(join(b, 'public_addresses'), '')
      writeFileSync(join(b, 'notify.sh'), '#!/bin/sh\nexit 0\n', { mode: 0o755 })
      if (existsSync('/etc/ctdb/functions')) writeFileSync(join(b, 'functions'), readFileSync('/etc/ctdb/functions'))
      writeFileSync(join(b, 'ctdb.conf'), [
        '[logging]', `\tlocation = file:${this.logFile(n)}`, '\tlog level = NOTICE',
        '[cluster]', `\trecovery lock = ${join(this.dir, 'rec.lock')}`, `\tnode address = ${nodes[n]}`,
        '[database]', `\tvolatile database directory = ${b}/db/volatile`, `\tpersistent database directory = ${b}/db/persistent`, `\tstate database directory = ${b}/db/state`,
        '[failover]', '\tdisabled = true', '',
      ].join('\n'))
      const r = spawnSync('ctdbd', [], { env: this.#env(n), encoding: 'utf8', timeout: 30_000 })
      if (r.status !== 0) throw new Error(`ctdbd on node ${n} did not start: ${r.stderr}${r.stdout}`)
    }
    const end = Date.now() + CTDB_START_WAIT_MS
    for (;;) {
      let s = ''
      try { s = this.ctdb(0, ['status'], 10_000) } catch { /* not up yet */ }
      if (/Recovery mode:NORMAL/.test(s) && (s.match(/^pnn:\d+ \S+\s+OK/gm) ?? []).length === NODES) break
      if (Date.now() > end) throw new Error(`CTDB did not become healthy in ${CTDB_START_WAIT_MS} ms:\n${s}`)
      await new Promise(resolve => setTimeout(resolve, 500))
    }
    // Back-to-back forced recoveries: no 10 s re-recovery hold-off.
    for (let n = 0; n < NODES; n++) this.ctdb(n, ['setvar', 'RerecoveryTimeout', '0'])
    // The start-up recovery's hold-off (10 s by default) may still run: one recovery, not measured, waits it out.
    await this.recover(60_000)
  }

  leader (): number {
    const m = /(\d+)/.exec(this.ctdb(0, ['leader']))
    if (m === null) throw new Error('ctdb leader: no answer')
    return Number(m[1])
  }

  attach (kind: 'persistent' | 'volatile'): void {
    for (const name of dbNames(kind)) this.ctdb(0, kind === 'persistent' ? ['attach', name, 'persistent'] : ['attach', name])
  }

  /** name -> the node's TDB file, from `ctdb getdbmap -X`. */
  paths (pnn: number): Map<string, string> {
    const m = new Map<string, string>()
    for (const line of this.ctdb(pnn, ['getdbmap', '-X']).split('\n').slice(1)) {
      const f = line.split('|')
      if (f.length > 3) m.set(f[2], f[3])
    }
    return m
  }

  /** Writes the fixture into the TDB files of the running daemons; returns the new sequence numbers. */
  fill (kind: 'persistent' | 'volatile', n: number, run: number, source: number): number[] {
    const jobs = []
    for (let p = 0; p < NODES; p++) {
      if (kind === 'persistent' && p !== source) continue
      const paths = this.paths(p)
      for (const [d, name] of dbNames(kind).entries()) {
        const path = paths.get(name)
        if (path === undefined) throw new Error(`${name} is not attached on CTDB node ${p}`)
        jobs.push({ path, db: d, count: perDb(n), pnn: p, run, kind })
      }
    }
    const r = spawnSync(PYTHON, ['-c', FILL_PY], { input: JSON.stringify({ jobs }), encoding: 'utf8', timeout: 600_000, maxBuffer: 1 << 20 })
    if (r.status !== 0) throw new Error(`filling the TDB files failed: ${r.stderr}`)
    return JSON.parse(r.stdout) as number[]
  }

  /** Records (without the sequence number) in a node's copy of each database of a kind. */
  counts (pnn: number, kind: 'persistent' | 'volatile'): number[] {
    const paths = this.paths(pnn)
    return dbNames(kind).map(name => {
      const r = spawnSync(PYTHON, ['-c', COUNT_PY, paths.get(name) ?? ''], { encoding: 'utf8', timeout: 300_000 })
      if (r.status !== 0) throw new Error(`counting ${name} on CTDB node ${pnn} failed: ${r.stderr}`)
      return Number(r.stdout.trim())
    })
  }

  /** `ctdb recover` on the leader; the time from its log, and the lines that look wrong. */
  async recover (timeoutMs: number): Promise<CtdbRecovery> {
    const leader = this.leader()
    const file = this.logFile(leader)
    const from = statSync(file).size
    this.ctdb(leader, ['recover'], timeoutMs)
    const end = Date.now() + timeoutMs
    for (;;) {
      const lines = readFrom(file, from).split('\n')
      const d = lines.findIndex(l => l.includes('recovered event finished'))
      const start = d < 0 ? undefined : lines.slice(0, d).reverse().find(l => l.includes('Starting do_recovery'))
      if (start !== undefined) {
        const done = lines[d]
        const odd = lines.slice(0, d + 1).filter(l => /ban|fail|error|unable|timed out|timeout/i.test(l) && !/Resetting ban count|Notification script|rerecovery timeout/i.test(l))
        return { ms: stamp(done) - stamp(start), odd }
      }
      if (Date.now() > end) throw new Error(`CTDB recovery did not finish in ${timeoutMs} ms:\n${lines.slice(-20).join('\n')}`)
      await new Promise(resolve => setTimeout(resolve, 50))
    }
  }

  /** `ctdb shutdown` on every node; a daemon still running after 15 s is killed by its pid file. */
  async stop (): Promise<void> {
    const pids = this.bases.map(b => { try { return Number.parseInt(readFileSync(join(b, 'run', 'ctdbd.pid'), 'utf8'), 10) } catch { return null } })
    for (let n = 0; n < NODES; n++) spawnSync('ctdb', ['shutdown'], { env: this.#env(n), encoding: 'utf8', timeout: 20_000 })
    const end = Date.now() + 15_000
    const ours = (pid: number | null): pid is number => {
      if (pid === null || !Number.isInteger(pid) || pid <= 0) return false
      try { return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('ctdbd') } catch { return false }
    }
    while (Date.now() < end && pids.some(ours)) await new Promise(resolve => setTimeout(resolve, 200))
    for (const pid of pids) if (ours(pid)) process.kill(pid, 'SIGKILL')
  }
}

function readFrom (file: string, from: number): string {
  const fd = openSync(file, 'r')
  try {
    const size = statSync(file).size
    const buf = Buffer.alloc(Math.max(0, size - from))
    readSync(fd, buf, 0, buf.length, from)
    return buf.toString('utf8')
  } finally {
    closeSync(fd)
  }
}

// `2026-11-28T02:58:35.571579+00:00 node.0 ...`: milliseconds, with the microseconds kept.
function stamp (line: string): number {
  const ts = line.slice(0, line.indexOf(' '))
  const m = /\.(\d+)/.exec(ts)
  const micro = m === null ? 0 : Number(m[1].padEnd(6, '0').slice(0, 6)) / 1000
  return Math.floor(Date.parse(ts) / 1000) * 1000 + micro
}
