import t from 'tap'
import { FailureDetector } from '../../engine/cluster/index.js'

const H = 250
const L = 8

interface Scenario {
  /** Simulated run length, ms. */
  untilMs: number
  /** Peer PNN -> time from which it sends nothing more (SIGSTOP). */
  silentFrom?: Record<number, number>
  /** This node's own stalls: nothing here runs from `at` for `ms` (GC, CPU hog, SIGSTOP of this node). */
  stalls?: Array<{ at: number, ms: number }>
  /** Peer heartbeat network delay, ms. */
  delayMs?: number
}

// Drive a detector the way the daemon does: a tick timer re-armed H after each run, heartbeats from
// peers 1 and 2 every H (offset so they do not line up with ticks). During a local stall nothing
// runs; afterwards the late timer runs first (Node runs timers before I/O), then the queued frames.
function simulate (s: Scenario): { dead: Map<number, number>, detector: FailureDetector } {
  const d = new FailureDetector({ intervalMs: H, limit: L })
  const peers = [1, 2]
  for (const p of peers) d.addPeer(p, 0)
  const dead = new Map<number, number>()
  const delay = s.delayMs ?? 2
  const stalledUntil = (at: number): number => {
    for (const st of s.stalls ?? []) if (at >= st.at && at < st.at + st.ms) return st.at + st.ms
    return at
  }
  type Ev = { at: number, order: number, run: (now: number) => void }
  const queue: Ev[] = []
  const push = (e: Ev): void => { queue.push(e) }
  const tick = (scheduledAt: number) => (now: number): void => {
    for (const p of d.onTick(now, scheduledAt)) if (!dead.has(p)) dead.set(p, now)
    push({ at: now + H, order: 0, run: tick(now + H) })
  }
  push({ at: H, order: 0, run: tick(H) })
  for (const p of peers) {
    const stop = s.silentFrom?.[p] ?? Infinity
    for (let sent = 37 * p; sent < Math.min(stop, s.untilMs); sent += H) {
      push({ at: sent + delay, order: 1, run: now => { d.onHeartbeat(p, now) } })
    }
  }
  for (;;) {
    // Each event runs at the end of any stall covering its due time.
    queue.sort((a, b) => stalledUntil(a.at) - stalledUntil(b.at) || a.order - b.order || a.at - b.at)
    const e = queue.shift()
    if (e === undefined) break
    const now = stalledUntil(e.at)
    if (now > s.untilMs) break
    e.run(now)
  }
  return { dead, detector: d }
}

t.test('defaults: 250 ms heartbeats, 8 silent intervals, so a hung peer is suspected after about 2 s', async t => {
  const d = new FailureDetector()
  t.equal(d.intervalMs, 250)
  t.equal(d.limit, 8)
  t.equal(d.timeoutMs, 2000)
})

t.test('peers that keep talking are never suspected', async t => {
  const { dead } = simulate({ untilMs: 60_000 })
  t.same([...dead], [])
})

t.test('a truly silent peer is suspected within L x H plus one tick of its last frame', async t => {
  const { dead } = simulate({ untilMs: 10_000, silentFrom: { 2: 3000 } })
  t.same([...dead.keys()], [2], 'only the silent peer')
  const lastFrame = 3000 - ((3000 - 74) % H) + 2 // last heartbeat sent before 3000, plus delay
  const after = (dead.get(2) as number) - lastFrame
  t.ok(after >= L * H && after <= L * H + H, `suspected ${after} ms after its last frame`)
  const sinceStop = (dead.get(2) as number) - 3000
  t.ok(sinceStop <= 2250, `suspected ${sinceStop} ms after it stopped (bound 2.25 s)`)
})

t.test('a 1.5 s stall of this node blames no peer', async t => {
  const { dead, detector } = simulate({ untilMs: 10_000, stalls: [{ at: 4010, ms: 1500 }] })
  t.same([...dead], [])
  t.ok(detector.lag().maxMs >= 1200, `the stall was measured as local lag (${detector.lag().maxMs} ms beyond jitter)`)
})

t.test('even a 5 s stall of this node blames no peer', async t => {
  const { dead } = simulate({ untilMs: 20_000, stalls: [{ at: 4010, ms: 5000 }] })
  t.same([...dead], [])
})

t.test('without lag accounting the same 5 s stall would blame every peer', async t => {
  // What a naive detector sees: the tick runs late but claims it ran on time.
  const d = new FailureDetector({ intervalMs: H, limit: L })
  d.addPeer(1, 4000)
  t.same(d.onTick(9010, 9010), [1])
  const e = new FailureDetector({ intervalMs: H, limit: L })
  e.addPeer(1, 4000)
  t.same(e.onTick(9010, 4250), [], 'with the scheduled time, the 4.76 s lateness is excused')
})

t.test('a peer that falls silent during a stall of this node is still caught, late by the stall only', async t => {
  const { dead } = simulate({ untilMs: 20_000, silentFrom: { 1: 4500 }, stalls: [{ at: 4010, ms: 1500 }] })
  t.same([...dead.keys()], [1])
  const sinceStop = (dead.get(1) as number) - 4500
  t.ok(sinceStop <= 2250 + 1500, `suspected ${sinceStop} ms after it stopped`)
})

t.test('ordinary timer jitter is not excused, so a check timed for a deadline fires', async t => {
  const d = new FailureDetector({ intervalMs: H, limit: L })
  d.addPeer(1, 0)
  t.equal(d.nextDeadline(), 2000)
  t.same(d.onTick(2003, 2000), [1], '3 ms late is jitter, not a stall')
})

t.test('a suspected peer is reported once, and revives when it speaks again', async t => {
  const d = new FailureDetector({ intervalMs: H, limit: L })
  d.addPeer(1, 0)
  t.same(d.onTick(2000, 2000), [1])
  t.same(d.onTick(2250, 2250), [])
  t.same(d.suspected(), [1])
  t.equal(d.onHeartbeat(1, 2300), true)
  t.same(d.suspected(), [])
  t.equal(d.onHeartbeat(1, 2400), false)
  d.removePeer(1)
  t.equal(d.nextDeadline(), undefined)
})

t.test('bad options are rejected with a precise message', async t => {
  t.throws(() => new FailureDetector({ intervalMs: 0 }), /intervalMs > 0, got 0/)
  t.throws(() => new FailureDetector({ limit: 1.5 }), /limit to be an integer >= 1, got 1.5/)
})
