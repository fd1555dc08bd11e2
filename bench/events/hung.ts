// A hung script whose children ignore SIGTERM: time from the deadline until every process of the
// run is gone (SIGTERM, then SIGKILL after the grace), medians of several runs.
// Run: node --import tsx bench/events/hung.ts
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { alive, createEventRunner } from '../../engine/events/index.js'
import { KILL_GRACE_MS } from '../../engine/config/defaults.js'
import { median, printTable } from '../lib.js'

const RUNS = Number(process.env.BENCH_RUNS ?? 5)
const root = mkdtempSync(join(tmpdir(), 'corral-bench-hung-'))
const comp = join(root, 'events.d', 'hung')
mkdirSync(comp, { recursive: true })
const quiet = { error () {}, warn () {}, info () {}, debug () {} }

async function once (grace: number, ignoreTerm: boolean): Promise<number> {
  const pids = join(root, `pids-${Math.random()}`)
  const trap = ignoreTerm ? "trap '' TERM;" : ''
  writeFileSync(join(comp, '01.hang.script'), `#!/bin/sh\n${trap} echo $$ >> ${pids}\n(${trap} sleep 300 & echo $! >> ${pids}; wait) &\nsetsid sh -c 'echo $$ >> ${pids}; exec sleep 300' &\nsleep 300\n`)
  chmodSync(join(comp, '01.hang.script'), 0o755)
  const runner = createEventRunner({ eventsDir: join(root, 'events.d'), dataDir: null, configDir: root, log: quiet, killGraceMs: grace })
  const r = await runner.run({ component: 'hung', event: 'monitor', timeoutMs: 500 })
  if (r.state !== 'TIMEDOUT') throw new Error(`expected TIMEDOUT, got ${r.state}`)
  const deadline = r.deadline
  const list = readFileSync(pids, 'utf8').trim().split('\n').map(Number)
  while (list.some(alive)) await new Promise(resolve => setTimeout(resolve, 5))
  return Date.now() - deadline
}

try {
  const ignoring: number[] = []
  const polite: number[] = []
  for (let i = 0; i < RUNS; i++) ignoring.push(await once(KILL_GRACE_MS, true))
  for (let i = 0; i < RUNS; i++) polite.push(await once(KILL_GRACE_MS, false))
  printTable(`Hung script: deadline to every descendant gone (median of ${RUNS})`, [
    { name: 'children ignore SIGTERM (SIGKILL after the grace)', value: median(ignoring), baseline: KILL_GRACE_MS, unit: 'ms', note: 'baseline: the configured grace (KILL_GRACE_MS)' },
    { name: 'children obey SIGTERM', value: median(polite), baseline: KILL_GRACE_MS, unit: 'ms', note: 'includes a setsid grandchild in both cases' },
  ], 'node --import tsx bench/events/hung.ts')
} finally {
  rmSync(root, { recursive: true, force: true })
}
