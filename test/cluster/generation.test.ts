import t from 'tap'
import { INVALID_GENERATION, newGeneration, isStale, generationText, addCredits, nodesToBan, clearCredits } from '../../engine/cluster/index.js'
import type { BanBook } from '../../engine/cluster/index.js'

const seq = (...values: number[]) => () => values.shift() as number

t.test('a new generation is never INVALID (1) nor the previous one', async t => {
  t.equal(newGeneration(undefined, seq(1, 1, 42)), 42)
  t.equal(newGeneration(42, seq(42, 1, 7)), 7)
  t.equal(newGeneration(undefined, seq(2 ** 32 - 1)), 4294967295)
  const gs = Array.from({ length: 1000 }, () => newGeneration())
  t.ok(gs.every(g => Number.isInteger(g) && g >= 0 && g < 2 ** 32 && g !== INVALID_GENERATION), '1000 random generations are valid uint32s')
})

t.test('a message is stale unless it carries the current valid generation', async t => {
  t.notOk(isStale(1234, 1234))
  t.ok(isStale(1233, 1234))
  t.ok(isStale(INVALID_GENERATION, 1234))
  t.ok(isStale(INVALID_GENERATION, INVALID_GENERATION))
  t.ok(isStale(1234, INVALID_GENERATION))
  t.equal(generationText(INVALID_GENERATION), 'INVALID')
  t.equal(generationText(987654321), '987654321')
})

const tun = { recoveryGracePeriodS: 120, recoveryBanPeriodS: 300, enableBans: 1 }

t.test('credits add up per culprit and a node at 2 x nodes credits is banned and zeroed', async t => {
  let book: BanBook = clearCredits()
  for (let i = 0; i < 5; i++) book = addCredits(book, 2, 1, i * 1000, tun)
  t.same(nodesToBan(book, 3, tun).bans, [], '5 credits < 6')
  book = addCredits(book, 2, 1, 6000, tun)
  const d = nodesToBan(book, 3, tun)
  t.same(d.bans, [{ pnn: 2, seconds: 300 }])
  t.equal(d.book.get(2)?.credits, 0)
})

t.test('a takeover failure adds the node count at once', async t => {
  const book = addCredits(addCredits(clearCredits(), 1, 3, 0, tun), 1, 3, 1000, tun)
  t.same(nodesToBan(book, 3, tun).bans, [{ pnn: 1, seconds: 300 }])
})

t.test('credits older than RecoveryGracePeriod are forgiven before new ones count', async t => {
  let book = addCredits(clearCredits(), 0, 5, 0, tun)
  book = addCredits(book, 0, 1, 120_001, tun)
  t.equal(book.get(0)?.credits, 1)
  book = addCredits(book, 0, 1, 240_000, tun)
  t.equal(book.get(0)?.credits, 2, 'within the grace period they add up')
})

t.test('with EnableBans=0 credits are zeroed but nobody is banned', async t => {
  const book = addCredits(clearCredits(), 1, 10, 0, tun)
  const d = nodesToBan(book, 3, { ...tun, enableBans: 0 })
  t.same(d.bans, [])
  t.equal(d.book.get(1)?.credits, 0)
  t.equal(book.get(1)?.credits, 10, 'the input book is not mutated')
})
