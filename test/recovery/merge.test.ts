import t from 'tap'
import { incomingWins, RECORD_FLAG_MIGRATED_WITH_DATA } from '../../engine/recovery/index.js'
import { REC_FLAG_MIGRATED_WITH_DATA, type RecordHeader } from '../../engine/database/index.js'

const LEADER = 1
const h = (rsn: bigint, dmaster = 0, flags = 0): RecordHeader => ({ rsn, dmaster, flags })

t.test('the first copy of a key always wins (nothing kept yet)', async t => {
  t.equal(incomingWins(undefined, h(0n), LEADER), true)
  t.equal(incomingWins(undefined, h(5n, LEADER), LEADER), true)
})

t.test('a higher RSN wins and a lower one loses, whoever the data masters are', async t => {
  t.equal(incomingWins(h(4n, 0), h(5n, 2), LEADER), true, 'incoming 5 over kept 4')
  t.equal(incomingWins(h(4n, LEADER), h(5n, 2), LEADER), true, 'even over a copy held by the leader')
  t.equal(incomingWins(h(5n, 0), h(4n, 2), LEADER), false, 'incoming 4 under kept 5')
  t.equal(incomingWins(h(5n, 2), h(4n, LEADER), LEADER), false, 'even when the incoming copy is the leader\'s')
  t.equal(incomingWins(h(1n << 63n), h((1n << 64n) - 1n), LEADER), true, 'compared as u64, not as doubles')
  t.equal(incomingWins(h((1n << 53n) + 1n), h(1n << 53n), LEADER), false, 'no precision lost above 2^53')
})

t.test('on equal RSNs the kept copy stays, unless its data master is the leader', async t => {
  t.equal(incomingWins(h(7n, 0), h(7n, 2), LEADER), false, 'kept copy of node 0 stays')
  t.equal(incomingWins(h(7n, 2), h(7n, LEADER), LEADER), false, 'even against an incoming copy of the leader')
  t.equal(incomingWins(h(7n, LEADER), h(7n, 0), LEADER), true, 'kept copy mastered by the leader gives way')
  t.equal(incomingWins(h(7n, LEADER), h(7n, LEADER), LEADER), true, 'also to another copy naming the leader')
  t.equal(incomingWins(h(0n, 3), h(0n, 4), 3), true, 'the leader is a parameter, not a fixed PNN')
  t.equal(incomingWins(h(0n, 3), h(0n, 4), 4), false)
})

t.test('flags play no part in the decision', async t => {
  t.equal(incomingWins(h(3n, 0, 0), h(3n, 2, 0xffffffff), LEADER), false)
  t.equal(incomingWins(h(3n, 0, 0xffffffff), h(4n, 2, 0), LEADER), true)
})

t.test('MIGRATED_WITH_DATA is CTDB\'s 0x10000, the same bit the store prints', async t => {
  t.equal(RECORD_FLAG_MIGRATED_WITH_DATA, 0x10000)
  t.equal(RECORD_FLAG_MIGRATED_WITH_DATA, REC_FLAG_MIGRATED_WITH_DATA)
})
