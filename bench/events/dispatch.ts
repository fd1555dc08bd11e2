// Event dispatch overhead: `monitor` with 1, 10 and 30 trivial scripts (`exit 0`), end to end
// through the CLI and inside the daemon, against a bare fork+exec of the same scripts from Node
// and, when Debian's ctdb package is installed, against CTDB's own eventd on the same scripts.
// Run: npm run build && node dist/bench/events/dispatch.js
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { median, printTable, timeMs, type BenchRow } from '../lib.js'
import { createEventRunner } from '../../engine/events/index.js'

const ROOT = resolve(import.meta.dirname, '..', '..', ...(import.meta.dirname.includes('/dist/') ? ['..'] : []))
const CLI = join(ROOT, 'dist', 'cli', 'corral.js')
const DAEMON = join(ROOT, 'dist', 'bin', 'corrald.js')
const CTDB_EVENTD = '/usr/libexec/ctdb/ctdb-eventd'
const CTDB_EVENT = '/usr/libexec/ctdb/ctdb-event'
const COUNTS = [1, 10, 30]
const RUNS = Number(process.env.BENCH_RUNS ?? 15)

function writeScripts (dir: string, n: number): void {
  mkdirSync(dir, { recursive: true })
  for (let i = 1; i <= n; i++) {
    const f = join(dir, `${String(i).padStart(2, '0')}.trivial.script`)
    writeFileSync(f, '#!/bin/sh\nexit 0\n')
    chmodSync(f, 0o755)
  }
}

function exec (cmd: string, args: string[], env?: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve, reject) => {
    const c = spawn(cmd, args, { stdio: 'ignore', env: env ?? process.env })
    c.on('error', reject)
    c.on('exit', code => resolve(code ?? -1))
  })
}

async function waitFor (check: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out waiting for start-up')
    await new Promise(resolve => setTimeout(resolve, 50))
  }
}

// The slope of time against script count is the per-script cost; the start-up cost cancels out.
function slope (byCount: Map<number, number>): number {
  return (byCount.get(30)! - byCount.get(1)!) / 29
}

async function benchCorral (base: string): Promise<{ cli: Map<number, number>, daemon: Map<number, number> }> {
  const etc = join(base, 'corral', 'etc')
  for (const n of COUNTS) writeScripts(join(etc, 'events.d', `c${n}`), n)
  const run = join(base, 'corral', 'run')
  const daemon = spawn(process.execPath, [DAEMON, '--config-dir', etc, '--run-dir', run, '--state-dir', join(base, 'corral', 'state'), '--log', `file:${join(base, 'corral', 'log')}`, '--events-only'], { stdio: 'ignore' })
  const sock = join(run, 'corrald.sock')
  try {
    await waitFor(() => existsSync(sock), 15_000)
    const cli = new Map<number, number>()
    const inDaemon = new Map<number, number>()
    for (const n of COUNTS) {
      const walls: number[] = []
      const durs: number[] = []
      for (let i = 0; i < RUNS + 2; i++) {
        const wall = await timeMs(async () => { if (await exec(process.execPath, [CLI, '--socket', sock, 'event', 'run', `c${n}`, 'monitor']) !== 0) throw new Error('event run failed') })
        const st = spawnSync(process.execPath, [CLI, '--socket', sock, '--json', 'event', 'status', `c${n}`, 'monitor'], { encoding: 'utf8' })
        const rec = JSON.parse(st.stdout) as { last: { startedAt: number, finishedAt: number } }
        if (i >= 2) { walls.push(wall); durs.push(rec.last.finishedAt - rec.last.startedAt) }
      }
      cli.set(n, median(walls))
      inDaemon.set(n, median(durs))
    }
    return { cli, daemon: inDaemon }
  } finally {
    killChild(daemon)
  }
}

async function benchBare (base: string): Promise<Map<number, number>> {
  const out = new Map<number, number>()
  for (const n of COUNTS) {
    const dir = join(base, 'bare', `c${n}`)
    writeScripts(dir, n)
    const times: number[] = []
    for (let i = 0; i < RUNS + 2; i++) {
      const t = await timeMs(async () => {
        for (let s = 1; s <= n; s++) await exec(join(dir, `${String(s).padStart(2, '0')}.trivial.script`), ['monitor'])
      })
      if (i >= 2) times.push(t)
    }
    out.set(n, median(times))
  }
  return out
}

// The runner in this process against bare spawns in this process: corral's own overhead, without the
// daemon's larger memory (fork() cost grows with the parent's size).
async function benchInProcess (base: string): Promise<{ runner: Map<number, number>, bare: Map<number, number> }> {
  const quiet = { error () {}, warn () {}, info () {}, debug () {} }
  const r = createEventRunner({ eventsDir: join(base, 'inproc'), dataDir: null, configDir: base, log: quiet })
  const runner = new Map<number, number>()
  const bare = new Map<number, number>()
  for (const n of COUNTS) {
    const dir = join(base, 'inproc', `c${n}`)
    writeScripts(dir, n)
    const a: number[] = []
    const b: number[] = []
    for (let i = 0; i < RUNS + 2; i++) {
      const x = await timeMs(async () => { if ((await r.run({ component: `c${n}`, event: 'monitor' })).state !== 'OK') throw new Error('run failed') })
      const y = await timeMs(async () => { for (let k = 1; k <= n; k++) await exec(join(dir, `${String(k).padStart(2, '0')}.trivial.script`), ['monitor']) })
      if (i >= 2) { a.push(x); b.push(y) }
    }
    runner.set(n, median(a))
    bare.set(n, median(b))
  }
  await r.close()
  return { runner, bare }
}

async function benchCtdb (base: string): Promise<Map<number, number> | null> {
  if (!existsSync(CTDB_EVENTD)) return null
  const ctdbBase = join(base, 'ctdb')
  for (const n of COUNTS) writeScripts(join(ctdbBase, 'events', `c${n}`), n)
  mkdirSync(join(ctdbBase, 'run'), { recursive: true })
  writeFileSync(join(ctdbBase, 'ctdb.conf'), `[logging]\nlocation = file:${join(ctdbBase, 'log.ctdb')}\n`)
  const env = { ...process.env, CTDB_TEST_MODE: 'yes', CTDB_BASE: ctdbBase }
  const eventd = spawn(CTDB_EVENTD, ['-P', String(process.pid)], { stdio: 'ignore', env })
  try {
    await waitFor(() => existsSync(join(ctdbBase, 'run', 'eventd.socket')), 10_000)
    const out = new Map<number, number>()
    for (const n of COUNTS) {
      const times: number[] = []
      for (let i = 0; i < RUNS + 2; i++) {
        const t = await timeMs(async () => { if (await exec(CTDB_EVENT, ['run', '10', `c${n}`, 'monitor'], env) !== 0) throw new Error('ctdb-event failed') })
        if (i >= 2) times.push(t)
      }
      out.set(n, median(times))
    }
    return out
  } finally {
    killChild(eventd)
  }
}

function killChild (c: ChildProcess): void {
  if (c.exitCode === null && c.pid !== undefined) c.kill('SIGTERM')
}

const base = mkdtempSync(join(tmpdir(), 'corral-bench-dispatch-'))
try {
  const bare = await benchBare(base)
  const corral = await benchCorral(base)
  const ctdb = await benchCtdb(base)
  const inproc = await benchInProcess(base)
  const rows: BenchRow[] = []
  for (const n of COUNTS) {
    rows.push({ name: `monitor, ${n} script(s), inside the daemon`, value: corral.daemon.get(n)!, baseline: bare.get(n)!, unit: 'ms', note: 'baseline: bare fork+exec from Node' })
  }
  for (const n of COUNTS) {
    rows.push({ name: `monitor, ${n} script(s), CLI end to end`, value: corral.cli.get(n)!, baseline: ctdb?.get(n) ?? null, unit: 'ms', note: ctdb === null ? 'CTDB not installed' : 'baseline: ctdb-event run (C CLI) against ctdb-eventd' })
  }
  rows.push({ name: 'per-script cost, inside the daemon (slope 1..30)', value: slope(corral.daemon), baseline: slope(bare), unit: 'ms', note: 'target <= 1.5x bare fork+exec' })
  rows.push({ name: 'per-script cost, runner in one process (slope 1..30)', value: slope(inproc.runner), baseline: slope(inproc.bare), unit: 'ms', note: 'same process for both: corral\'s own overhead; target <= 1.5x' })
  rows.push({ name: 'per-script cost, CLI end to end (slope 1..30)', value: slope(corral.cli), baseline: ctdb === null ? slope(bare) : slope(ctdb), unit: 'ms', note: ctdb === null ? 'baseline: bare fork+exec' : 'baseline: CTDB eventd slope' })
  printTable(`Event dispatch (medians of ${RUNS} runs)`, rows, 'npm run build && node dist/bench/events/dispatch.js')
} finally {
  rmSync(base, { recursive: true, force: true })
}
