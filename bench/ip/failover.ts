// Public-address failover on real interfaces: three hosts in network namespaces on one bridge
// (engine/ip/netns-harness.ts), one corrald each with the interface plugin, six public addresses.
// Measured from the kill -9 / SIGSTOP until every address is on a healthy host's eth0, as
// `ip -n HOST -j addr show dev eth0` shows it (polled every 10 ms, so figures are +0-15 ms).
// One cluster serves every run: the victim is restarted (or continued) and the cluster is back
// to 2 addresses per host before the next run. Needs root and `ip netns`; skips otherwise.
// Baselines: CTDB 4.17's figures from the issue (3 nodes, same machine).
// Run: npm run build && node dist/bench/ip/failover.js   (as root)
import { countPerHost, createNetnsCluster, describePlacement, netnsUnavailable, placementProblems, type NetnsCluster } from '../../engine/ip/netns-harness.js'
import { median, printTable, type BenchRow } from '../lib.js'

const RUNS = Math.max(5, Number(process.env.BENCH_RUNS ?? 5))
const ALL = [0, 1, 2]
const WAIT_MS = 30_000
const POLL_MS = 10

type Fault = 'kill-member' | 'kill-leader' | 'stop-member'

/** Every host answers, one leader, no recovery, every flag 0, each address on one host (and, if `even`, 2 per host): the leader. */
async function settled (c: NetnsCluster, even: boolean): Promise<number | null> {
  const p = await c.placement()
  if (placementProblems(p, ALL).length > 0 || (even && countPerHost(p, 3).join() !== '2,2,2')) return null
  const s = await Promise.all(ALL.map(async i => await c.status(i)))
  if (s.some(x => x === null || x.leader < 0 || x.recoveryMode !== 0 || x.leader !== s[0]!.leader || x.nodes.some(n => n.flags !== 0))) return null
  return s[0]!.leader
}

// Why: each run must start from the same state. A node back from SIGSTOP still holds an address,
// so LCP2 (as CTDB's) does not rebalance onto it by itself: ask for that rebalance explicitly.
async function restore (c: NetnsCluster): Promise<number> {
  await c.waitFor('every host healthy, each address on one host', async () => await settled(c, false), WAIT_MS)
  try {
    return await c.waitFor('2 addresses per host', async () => await settled(c, true), 5000)
  } catch {
    const p = await c.placement()
    const low = ALL.filter(h => countPerHost(p, 3)[h] < 2)
    process.stderr.write(`(between runs: ${describePlacement(p)}; asking for a rebalance onto host ${low.join(',')})\n`)
    await c.rebalance(ALL.find(h => !low.includes(h)) ?? 0, low)
    return await c.waitFor(`2 addresses per host after a rebalance onto ${low.join(',')}`, async () => await settled(c, true), WAIT_MS)
  }
}

async function once (c: NetnsCluster, fault: Fault): Promise<{ ms: number, doubled: boolean }> {
  const leader = await restore(c)
  const victim = fault === 'kill-leader' ? leader : ALL.filter(h => h !== leader).at(-1)!
  const rest = ALL.filter(h => h !== victim)
  const t0 = performance.now()
  c.signal(victim, fault === 'stop-member' ? 'SIGSTOP' : 'SIGKILL')
  let ms = 0
  let doubled = false
  try {
    const end = Date.now() + WAIT_MS
    for (let i = 0; ; i++) {
      const p = await c.placement(rest)
      if ([...p.values()].every(on => on.length > 0)) {
        ms = performance.now() - t0
        doubled = placementProblems(p, rest).length > 0
        break
      }
      if (Date.now() > end || i > WAIT_MS / POLL_MS) throw new Error(`${fault}: addresses not on hosts ${rest.join(',')} after ${WAIT_MS} ms: ${describePlacement(p)}`)
      await new Promise(resolve => setTimeout(resolve, POLL_MS))
    }
  } finally {
    if (fault === 'stop-member') c.signal(victim, 'SIGCONT')
    else if (await c.exited(victim)) c.start(victim)
  }
  return { ms, doubled }
}

async function series (c: NetnsCluster, fault: Fault): Promise<{ median: number, runs: number[], doubled: number }> {
  const runs: number[] = []
  let doubled = 0
  for (let i = 0; i < RUNS; i++) {
    const r = await once(c, fault)
    runs.push(r.ms)
    if (r.doubled) doubled++
  }
  return { median: median(runs), runs, doubled }
}

const unavailable = netnsUnavailable()
if (unavailable !== null) {
  process.stdout.write(`## Public-address failover on real interfaces: skipped (${unavailable})\n`)
  process.exit(0)
}

const c = createNetnsCluster({ prefix: `corral-b${process.pid}` })
try {
  for (const i of ALL) c.start(i)
  await c.waitFor('a started cluster with 2 addresses per host', async () => await settled(c, true), 60_000)
  const note = (r: { runs: number[], doubled: number }, text: string): string =>
    `${text}; runs ${r.runs.map(x => x.toFixed(0)).join(', ')} ms${r.doubled > 0 ? `; ${r.doubled} run(s) had an address on both survivors at that moment` : ''}`
  const member = await series(c, 'kill-member')
  const leader = await series(c, 'kill-leader')
  const stop = await series(c, 'stop-member')
  const rows: BenchRow[] = [
    { name: 'kill -9 a non-leader: every address on a survivor\'s eth0', value: member.median, baseline: 1200, unit: 'ms', note: note(member, 'CTDB 4.17 ~1.2 s; target < 1 s') },
    { name: 'kill -9 the leader: every address on a survivor\'s eth0', value: leader.median, baseline: 5900, unit: 'ms', note: note(leader, 'CTDB 4.17 ~5.9 s; target < 1.5 s') },
    { name: 'SIGSTOP a non-leader: every address on a survivor\'s eth0', value: stop.median, baseline: 3100, unit: 'ms', note: note(stop, `CTDB 4.17 28 s default (ratio ${(stop.median / 28_000).toFixed(3)}x), 3.1 s with KeepaliveInterval=1/Limit=2; target < 2.5 s`) },
  ]
  printTable(`Public-address failover on real interfaces, 3 hosts in network namespaces (median of ${RUNS} runs each)`, rows, 'npm run build && node dist/bench/ip/failover.js   (as root)')
} finally {
  c.destroy()
}
