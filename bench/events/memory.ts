// Daemon memory: RSS of an idle corrald, and after 10,000 event runs (histories are capped, so
// memory must not grow with the number of runs). Uses the built daemon.
// Run: npm run build && node dist/bench/events/memory.js
import { spawn } from 'node:child_process'
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { EventRunRequestSchema } from '../../protocol/gen/corral/v1/events_pb.js'
import { connectControl } from '../../engine/transport/client.js'
import { packageRoot } from '../../engine/config/package-root.js'
import { printTable } from '../lib.js'

const RUNS = Number(process.env.BENCH_MEMORY_RUNS ?? 10_000)
const root = mkdtempSync(join(tmpdir(), 'corral-bench-mem-'))
const etc = join(root, 'etc')
for (const c of ['a', 'b']) {
  mkdirSync(join(etc, 'events.d', c), { recursive: true })
  const f = join(etc, 'events.d', c, '01.ok.script')
  writeFileSync(f, '#!/bin/sh\necho ok\n')
  chmodSync(f, 0o755)
}
const rssKiB = (pid: number): number => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0)
const sleep = (ms: number): Promise<void> => new Promise(resolve => setTimeout(resolve, ms))

const daemon = spawn(process.execPath, [join(packageRoot(), 'dist', 'bin', 'corrald.js'), '--config-dir', etc, '--run-dir', join(root, 'run'), '--state-dir', join(root, 'state'), '--log', `file:${join(root, 'log')}`, '--events-only'], { stdio: 'ignore' })
try {
  const sock = join(root, 'run', 'corrald.sock')
  while (!existsSync(sock)) await sleep(50)
  await sleep(2000)
  const idle = rssKiB(daemon.pid!)
  const conn = await connectControl(sock, { timeoutMs: 60_000 })
  const t0 = Date.now()
  const events = ['monitor', 'startup', 'ipreallocated'] as const
  let after1k = 0
  for (let i = 0; i < RUNS; i++) {
    await conn.request(EventRunRequestSchema, { component: i % 2 === 0 ? 'a' : 'b', event: events[i % 3], args: [] })
    if (i === 999) after1k = rssKiB(daemon.pid!)
  }
  const took = Date.now() - t0
  conn.close()
  await sleep(2000)
  const after = rssKiB(daemon.pid!)
  printTable(`corrald memory (RSS), ${RUNS} event runs in ${(took / 1000).toFixed(1)} s`, [
    { name: 'RSS idle', value: idle / 1024, baseline: null, unit: 'MiB', note: '' },
    { name: 'RSS after 1,000 runs', value: after1k / 1024, baseline: idle / 1024, unit: 'MiB', note: 'baseline: idle' },
    { name: `RSS after ${RUNS} runs`, value: after / 1024, baseline: after1k / 1024, unit: 'MiB', note: 'baseline: after 1,000 runs (no growth expected)' },
  ], 'npm run build && node dist/bench/events/memory.js')
} finally {
  daemon.kill('SIGTERM')
  await sleep(500)
  rmSync(root, { recursive: true, force: true })
}
