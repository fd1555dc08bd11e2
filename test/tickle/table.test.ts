import t from 'tap'
import { TickleTable, type Connection } from '../../engine/tickle/index.js'

const conn = (client: string, cport: number, server: string, sport = 445): Connection => ({ src: { ip: client, port: cport }, dst: { ip: server, port: sport } })
const A = '198.51.100.1'
const B = '198.51.100.2'

t.test('add keeps one entry per connection, per address, in the order learnt', async t => {
  const tb = new TickleTable()
  t.same(tb.add([conn('192.0.2.9', 1, A), conn('192.0.2.9', 2, A), conn('192.0.2.9', 1, A), conn('192.0.2.8', 1, B, 2049)]), { added: 3, removed: 0, dropped: 0 })
  t.same(tb.list(A).map(c => c.src.port), [1, 2])
  t.same(tb.list(B, 2049).length, 1, 'filtered by the public port')
  t.same(tb.list(B, 445), [], 'no connection to that port')
  t.same(tb.dirty(new Set([A])), [A], 'only held addresses are pushed')
})

t.test('a full list drops new connections and says how many', async t => {
  const tb = new TickleTable(2)
  t.same(tb.add([conn('192.0.2.9', 1, A), conn('192.0.2.9', 2, A), conn('192.0.2.9', 3, A)]), { added: 2, removed: 0, dropped: 1 })
})

t.test('a poll adds new connections and removes polled ones that closed, never registered ones', async t => {
  const tb = new TickleTable()
  tb.add([conn('192.0.2.7', 7, A)])
  const held = new Set([A])
  t.same(tb.syncPolled(held, [conn('192.0.2.9', 1, A), conn('192.0.2.9', 2, A), conn('192.0.2.9', 3, B)]), { added: 2, removed: 0, dropped: 0 }, 'the connection to B (not held) is ignored')
  t.same(tb.syncPolled(held, [conn('192.0.2.9', 2, A)]), { added: 0, removed: 1, dropped: 0 })
  t.same(tb.list(A).map(c => c.src.port).sort(), [2, 7], 'the registered connection stays until deltickle')
  t.same(tb.remove([conn('192.0.2.7', 7, A), conn('192.0.2.7', 99, A)]), { added: 0, removed: 1, dropped: 0 }, 'an unknown connection is skipped')
})

t.test('a pushed list replaces a non-holder\'s copy and is ignored by the holder', async t => {
  const tb = new TickleTable()
  tb.add([conn('192.0.2.9', 1, A)])
  t.equal(tb.replace(A, [conn('192.0.2.5', 5, A)], true), false, 'the holder keeps its own list')
  t.same(tb.list(A).map(c => c.src.port), [1])
  t.equal(tb.replace(A, [conn('192.0.2.5', 5, A), conn('192.0.2.5', 6, B)], false), true)
  t.same(tb.list(A).map(c => c.src.port), [5], 'the copy is the holder\'s; a connection to another address is dropped')
  t.same(tb.dirty(new Set([A])), [], 'a received list is not pushed back')
  t.equal(tb.replace(A, [], false), true)
  t.same(tb.addresses(), [], 'an empty push empties the copy')
})

t.test('a take hands the list over, empties it and marks it for the next push', async t => {
  const tb = new TickleTable()
  tb.replace(A, [conn('192.0.2.9', 1, A), conn('192.0.2.9', 2, A)], false)
  t.same(tb.take(A).map(c => c.src.port), [1, 2])
  t.same(tb.list(A), [])
  t.same(tb.dirty(new Set([A])), [A], 'the empty list goes out so nobody tickles those clients again')
  tb.pushed(A)
  t.same(tb.dirty(new Set([A])), [])
  tb.markAll(new Set([A, B]))
  t.same(tb.dirty(new Set([A, B])).sort(), [A, B], 'a node that connects gets every list')
})
