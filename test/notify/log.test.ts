import t from 'tap'
import { NotificationLog, type Notification } from '../../engine/notify/index.js'

// A clock the test moves by hand.
const clock = (): { now: () => number, advance: (ms: number) => void } => {
  let ms = 1_000_000
  return { now: () => ms, advance: d => { ms += d } }
}

async function take<T> (it: AsyncIterator<T>, n: number): Promise<T[]> {
  const out: T[] = []
  for (let i = 0; i < n; i++) out.push((await it.next()).value as T)
  return out
}

t.test('entries are numbered from 1 in the order they are added', async t => {
  const log = new NotificationLog()
  t.equal(log.lastSeq, 0)
  t.equal(log.firstSeq, 1, 'nothing kept: first is last + 1')
  const a = log.add('node:flags', { pnn: 1, old: 0, new: 4 })
  const b = log.add('leader:elected', { pnn: 0 })
  t.same([a.seq, b.seq], [1, 2])
  t.same(log.replay(0).entries.map(e => e.type), ['node:flags', 'leader:elected'])
  t.same(log.replay(1).entries.map(e => e.seq), [2], 'since 1: what came after it')
  t.same(log.replay(2).entries, [], 'since the last: nothing')
  t.equal(log.replay(0).gap, null)
})

t.test('retention drops entries by count, oldest first, and reports the gap', async t => {
  const log = new NotificationLog({ maxEntries: 3 })
  for (let i = 0; i < 5; i++) log.add('x', { i })
  t.equal(log.size, 3)
  t.equal(log.firstSeq, 3)
  const r = log.replay(0)
  t.same(r.gap, { from: 1, to: 2 })
  t.same(r.entries.map(e => e.seq), [3, 4, 5])
  t.equal(log.replay(2).gap, null, 'since the last dropped one: no gap')
  t.same(log.replay(2).entries.map(e => e.seq), [3, 4, 5])
})

t.test('retention drops entries by age', async t => {
  const c = clock()
  const log = new NotificationLog({ retentionMs: 1000, now: c.now })
  log.add('old')
  c.advance(600)
  log.add('newer')
  c.advance(600)
  t.same(log.replay(0).entries.map(e => e.type), ['newer'])
  t.same(log.replay(0).gap, { from: 1, to: 1 })
  c.advance(2000)
  t.equal(log.size, 0)
  t.same(log.replay(0).gap, { from: 1, to: 2 }, 'everything expired: the gap covers it all')
  t.equal(log.add('next').seq, 3, 'numbers go on after expiry')
})

t.test('many entries: the kept window stays bounded and ordered', async t => {
  const log = new NotificationLog({ maxEntries: 100 })
  for (let i = 0; i < 50_000; i++) log.add('x')
  const seqs = log.replay(0).entries.map(e => e.seq)
  t.equal(seqs.length, 100)
  t.equal(seqs[0], 49_901)
  t.ok(seqs.every((s, i) => i === 0 || s === seqs[i - 1] + 1))
})

t.test('a watcher replays after since, then follows live entries in order', async t => {
  const log = new NotificationLog()
  log.add('a'); log.add('b')
  const it = log.watch(1)
  const first = await take(it, 1) as Notification[]
  t.same(first.map(n => n.type), ['b'])
  log.add('c'); log.add('d')
  t.same((await take(it, 2) as Notification[]).map(n => n.seq), [3, 4])
  const next = it.next()
  log.add('e')
  t.equal(((await next).value as Notification).type, 'e', 'a waiting watcher wakes on a new entry')
  t.equal(log.watchers, 1)
  await it.return(undefined)
  t.equal(log.watchers, 0, 'return() unsubscribes')
})

t.test('without since, a watcher sees only live entries', async t => {
  const log = new NotificationLog()
  log.add('before')
  const it = log.watch(null)
  const p = it.next()
  log.add('after')
  t.equal(((await p).value as Notification).type, 'after')
  await it.return(undefined)
})

t.test('a watcher whose since is older than what is kept gets a gap first', async t => {
  const log = new NotificationLog({ maxEntries: 2 })
  for (let i = 0; i < 4; i++) log.add('x')
  const it = log.watch(0)
  const [g, a, b] = await take(it, 3)
  t.same(g, { gap: { from: 1, to: 2 } })
  t.same([(a as Notification).seq, (b as Notification).seq], [3, 4])
  await it.return(undefined)
})

t.test('a watcher that falls too far behind is ended with CORRAL_E_WATCH_BEHIND', async t => {
  const log = new NotificationLog({ watcherBuffer: 10 })
  const it = log.watch(null)
  const p = it.next()
  log.add('x')
  t.equal(((await p).value as Notification).seq, 1)
  for (let i = 0; i < 11; i++) log.add('x')
  t.equal(log.dropped, 1)
  await t.rejects(it.next(), { code: 'CORRAL_E_WATCH_BEHIND', message: /--since 1/ })
  t.equal(log.watchers, 0)
  log.add('after')
  t.equal(log.watchers, 0, 'nothing queued for it any more')
})

t.test('an aborted watcher ends', async t => {
  const log = new NotificationLog()
  const ac = new AbortController()
  const it = log.watch(null, ac.signal)
  const p = it.next()
  ac.abort()
  t.same(await p, { value: undefined, done: true })
  t.equal(log.watchers, 0)
})

t.test('options are validated eagerly', async t => {
  t.throws(() => new NotificationLog({ maxEntries: 0 }), /maxEntries/)
  t.throws(() => new NotificationLog({ retentionMs: -1 }), /retentionMs/)
})
