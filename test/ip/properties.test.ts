import t from 'tap'
import fc from 'fast-check'
import { allocate, type Algorithm } from '../../engine/ip/index.js'

const arb = fc.record({
  nodes: fc.integer({ min: 1, max: 12 }),
  ips: fc.uniqueArray(fc.integer({ min: 1, max: 250 }), { minLength: 1, maxLength: 40 }),
  seed: fc.array(fc.integer({ min: -1, max: 11 }), { minLength: 40, maxLength: 40 }),
  flags: fc.array(fc.constantFrom(0, 0, 0, 0x1, 0x2, 0x4, 0x8, 0x20), { minLength: 12, maxLength: 12 }),
  algorithm: fc.constantFrom<Algorithm>('lcp2', 'deterministic', 'nondeterministic'),
})

t.test('every address goes to an eligible node when one exists, and never to an ineligible one', async t => {
  fc.assert(fc.property(arb, a => {
    const flags = a.flags.slice(0, a.nodes)
    const ips = a.ips.map((x, i) => ({ ip: `192.0.2.${x}`, owner: a.seed[i] < a.nodes ? a.seed[i] : -1 }))
    const r = allocate({ nodeFlags: flags, ips, algorithm: a.algorithm })
    const eligible = flags.some(f => (f & 0x3f) === 0)
    for (const x of r.assignments) {
      if (eligible && x.pnn === -1) return false
      if (x.pnn !== -1 && (flags[x.pnn] & 0x3f) !== 0) return false
    }
    return true
  }), { numRuns: 300 })
  t.pass()
})

t.test('the result is deterministic for the same input', async t => {
  fc.assert(fc.property(arb, a => {
    const ips = a.ips.map((x, i) => ({ ip: `192.0.2.${x}`, owner: a.seed[i] < a.nodes ? a.seed[i] : -1 }))
    const input = { nodeFlags: a.flags.slice(0, a.nodes), ips, algorithm: a.algorithm }
    return JSON.stringify(allocate(input)) === JSON.stringify(allocate(input))
  }), { numRuns: 100 })
  t.pass()
})

t.test('a fresh LCP2 allocation on healthy nodes is balanced within one address', async t => {
  fc.assert(fc.property(fc.integer({ min: 1, max: 16 }), fc.integer({ min: 1, max: 64 }), (n, k) => {
    const ips = Array.from({ length: k }, (_, i) => ({ ip: `198.51.100.${i + 1}`, owner: -1 }))
    const r = allocate({ nodeFlags: Array<number>(n).fill(0), ips, algorithm: 'lcp2' })
    const counts = Array<number>(n).fill(0)
    for (const x of r.assignments) counts[x.pnn]++
    return Math.max(...counts) - Math.min(...counts) <= 1
  }), { numRuns: 200 })
  t.pass()
})
