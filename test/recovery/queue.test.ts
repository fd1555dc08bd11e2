import t from 'tap'
import { AsyncQueue } from '../../engine/recovery/index.js'

type State = 'resolved' | 'rejected' | 'pending'

// Where a promise stands after the event loop has had `ms` to run.
async function stateAfter (p: Promise<unknown>, ms = 20): Promise<State> {
  let s: State = 'pending'
  p.then(() => { s = 'resolved' }, () => { s = 'rejected' })
  await new Promise(resolve => setTimeout(resolve, ms))
  return s
}

t.test('push waits until the consumer has taken the item (back-pressure)', async t => {
  const q = new AsyncQueue<number>()
  const p1 = q.push(1)
  t.equal(await stateAfter(p1), 'pending', 'nobody reads yet: the producer waits')
  const it = q[Symbol.asyncIterator]()
  const r1 = await it.next()
  t.same(r1, { value: 1, done: false })
  t.equal(await stateAfter(p1), 'resolved', 'taken: the push resolves')
  const p2 = q.push(2)
  const p3 = q.push(3)
  t.equal(await stateAfter(p2), 'pending', 'a second push waits for its own take')
  t.same(await it.next(), { value: 2, done: false })
  t.equal(await stateAfter(p2), 'resolved')
  t.equal(await stateAfter(p3), 'pending', 'the third is still not taken')
  t.same(await it.next(), { value: 3, done: false })
  t.equal(await stateAfter(p3), 'resolved')
})

t.test('a waiting consumer wakes on push and items come out in order', async t => {
  const q = new AsyncQueue<string>()
  const got: string[] = []
  const consumer = (async () => { for await (const v of q) got.push(v) })()
  for (const v of ['a', 'b', 'c', 'd']) await q.push(v)
  t.same(got.slice(0, 3), ['a', 'b', 'c'], 'each push resolved once its item was taken')
  q.end()
  await consumer
  t.same(got, ['a', 'b', 'c', 'd'], 'FIFO, nothing lost or doubled')
})

t.test('end lets the consumer drain what was pushed, then finish', async t => {
  const q = new AsyncQueue<number>()
  const pushes = [q.push(1), q.push(2)]
  q.end()
  const got: number[] = []
  for await (const v of q) got.push(v)
  t.same(got, [1, 2], 'items pushed before end are still delivered')
  await Promise.all(pushes)
  t.pass('their pushes resolved')
  const again: number[] = []
  for await (const v of q) again.push(v)
  t.same(again, [], 'an ended, drained queue yields nothing')
})

t.test('end while the consumer waits finishes it', async t => {
  const q = new AsyncQueue<number>()
  const consumer = (async () => { const out: number[] = []; for await (const v of q) out.push(v); return out })()
  await new Promise(resolve => setTimeout(resolve, 10))
  q.end()
  t.same(await consumer, [])
})

t.test('fail makes the consumer throw, even with items left, and later pushes reject', async t => {
  const q = new AsyncQueue<number>()
  const waiting = q.push(1)
  const boom = new Error('push abandoned')
  q.fail(boom)
  await t.rejects(waiting, boom, 'the push still waiting for its take is refused too')
  await t.rejects((async () => { for await (const v of q) t.fail(`no item after fail, got ${v}`) })(), boom)
  await t.rejects(q.push(2), boom, 'a push after fail rejects at once')
})

t.test('fail while the consumer waits wakes it with the error', async t => {
  const q = new AsyncQueue<number>()
  const got: number[] = []
  const consumer = (async () => { for await (const v of q) got.push(v) })()
  await q.push(1)
  await new Promise(resolve => setTimeout(resolve, 10))
  q.fail(new Error('leader gone'))
  await t.rejects(consumer, /leader gone/)
  t.same(got, [1])
})

t.test('a push waiting for its take settles when the queue fails', async t => {
  const q = new AsyncQueue<number>()
  const waiting = q.push(1)
  q.fail(new Error('abandoned'))
  t.not(await stateAfter(waiting, 50), 'pending', 'the producer is not left waiting forever')
})

t.test('a push waiting for its take settles when the consumer stops reading', async t => {
  const q = new AsyncQueue<number>()
  const consumer = (async () => {
    for await (const v of q) if (v === 1) throw new Error('bad batch')
  })()
  await q.push(1)
  await t.rejects(consumer, /bad batch/)
  const waiting = q.push(2)
  t.not(await stateAfter(waiting, 50), 'pending', 'the producer learns nobody will take it')
})
