import t from 'tap'
import { allocate, distance, addressKey, type Algorithm } from '../../engine/ip/index.js'

// Scenarios in CTDB's takeover test format: node flags, then `IP OWNER [CANHOST]` lines; the expected
// result is CTDB's own (tests/UNIT/takeover), highest address first.
function run (algorithm: Algorithm, flags: number[], input: string, opts: { noIPFailback?: boolean } = {}): { out: string, trace: string[] } {
  const ips = input.trim().split('\n').map(l => {
    const [ip, owner, hosts] = l.trim().split(/\s+/)
    return { ip, owner: Number(owner), canHost: hosts === undefined ? undefined : hosts.split(',').map(Number) }
  })
  const r = allocate({ nodeFlags: flags, ips, algorithm, ...opts })
  return { out: r.assignments.map(a => `${a.ip} ${a.pnn}`).join('\n'), trace: r.trace }
}

const NINE = (owners: number[]): string => ['192.168.20.249', '192.168.20.250', '192.168.20.251', '192.168.20.252', '192.168.20.253', '192.168.20.254', '192.168.21.252', '192.168.21.253', '192.168.21.254'].map((ip, i) => `${ip} ${owners[i]}`).join('\n')

t.test('LCP2 distance: CTDB\'s worked example sums to 121363 for 192.168.20.253', async t => {
  const others = ['192.168.20.249', '192.168.20.250', '192.168.20.251', '192.168.20.252', '192.168.20.254', '192.168.21.252', '192.168.21.253', '192.168.21.254']
  const me = addressKey('192.168.20.253')!
  t.equal(others.reduce((s, o) => s + distance(me, addressKey(o)!) ** 2, 0), 121363)
  t.equal(distance(me, me), 128, 'an IPv4 address is 128 from itself')
})

t.test('lcp2.004: 3 nodes, all on node 1, all healthy: CTDB\'s moves and result', async t => {
  const r = run('lcp2', [0, 0, 0], NINE([1, 1, 1, 1, 1, 1, 1, 1, 1]))
  t.same(r.trace, [
    '1 [-121363] -> 192.168.20.253 -> 0 [+0]',
    '1 [-105738] -> 192.168.20.251 -> 2 [+0]',
    '1 [-88649] -> 192.168.21.253 -> 0 [+14161]',
    '1 [-75448] -> 192.168.20.254 -> 2 [+15625]',
    '1 [-59823] -> 192.168.20.250 -> 0 [+29786]',
    '1 [-44198] -> 192.168.21.254 -> 2 [+28322]',
  ])
  t.equal(r.out, '192.168.21.254 2\n192.168.21.253 0\n192.168.21.252 1\n192.168.20.254 2\n192.168.20.253 0\n192.168.20.252 1\n192.168.20.251 2\n192.168.20.250 0\n192.168.20.249 1')
})

t.test('lcp2.016: every node unhealthy: nothing is hosted', async t => {
  t.equal(run('lcp2', [2, 2, 2], NINE([2, 2, 2, 2, 2, 2, 2, 2, 2])).out, NINE([-1, -1, -1, -1, -1, -1, -1, -1, -1]).split('\n').reverse().join('\n'))
})

t.test('lcp2.028: a healthy but unbalanced cluster stays unbalanced (only empty nodes receive)', async t => {
  const input = ['130.216.30.181 0', '130.216.30.180 1', '130.216.30.179 2', '130.216.30.178 3', '130.216.30.177 0', '130.216.30.176 1', '130.216.30.175 0', '130.216.30.174 1', '130.216.30.173 0', '130.216.30.172 3', '130.216.30.171 1', '130.216.30.170 3', '10.19.99.253 0', '10.19.99.252 1', '10.19.99.251 0', '10.19.99.250 3'].join('\n')
  t.equal(run('lcp2', [0, 0, 0, 0], input).out, input)
})

t.test('lcp2.010: two disjoint groups, a node becomes healthy (CTDB\'s documented quirk kept)', async t => {
  const input = '192.168.140.1 0 0,1\n192.168.140.2 0 0,1\n192.168.140.3 1 0,1\n192.168.140.4 1 0,1\n192.168.209.101 2 2,3\n192.168.209.102 2 2,3'
  t.equal(run('lcp2', [0, 0, 0, 0], input).out, '192.168.209.102 3\n192.168.209.101 2\n192.168.140.4 1\n192.168.140.3 1\n192.168.140.2 0\n192.168.140.1 0')
})

t.test('det.002: deterministic, 3 nodes, node 1 unhealthy', async t => {
  const r = run('deterministic', [0, 2, 0], NINE([0, 1, 2, 0, 1, 2, 0, 1, 2]))
  t.equal(r.out, '192.168.21.254 0\n192.168.21.253 0\n192.168.21.252 2\n192.168.20.254 0\n192.168.20.253 2\n192.168.20.252 2\n192.168.20.251 0\n192.168.20.250 0\n192.168.20.249 2')
  t.equal(r.trace[0], 'Deterministic IPs enabled. Resetting all ip allocations')
})

t.test('nondet.001: non-deterministic, only node 2 healthy takes everything', async t => {
  t.equal(run('nondeterministic', [2, 2, 0], NINE([0, 1, 2, 0, 1, 2, 0, 1, 2])).out, NINE([2, 2, 2, 2, 2, 2, 2, 2, 2]).split('\n').reverse().join('\n'))
})

t.test('NoIPFailback keeps addresses where they are when a node comes back', async t => {
  const r = run('lcp2', [0, 0, 0], NINE([1, 1, 1, 1, 1, 1, 1, 1, 1]), { noIPFailback: true })
  t.equal(r.out, NINE([1, 1, 1, 1, 1, 1, 1, 1, 1]).split('\n').reverse().join('\n'))
})

t.test('IPv6 sorts above IPv4 and both are placed', async t => {
  const r = run('lcp2', [0, 0], '10.0.0.1 -1\n2001:db8::1 -1\n2001:db8::2 -1\n10.0.0.2 -1')
  const lines = r.out.split('\n')
  t.same(lines.map(l => l.split(' ')[0]), ['2001:db8::2', '2001:db8::1', '10.0.0.2', '10.0.0.1'])
  t.ok(lines.every(l => !l.endsWith(' -1')), 'all placed')
})
