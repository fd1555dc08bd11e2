import t from 'tap'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { healthyFrom, startCluster, type Cluster } from '../../../engine/cli/local-harness.js'
import { corral } from '../../cli/fixtures/daemon.js'

// A 3-node loopback cluster in recorded mode: takes and releases are recorded per node, so the
// test reads where each address is from each node's record and from `corral ip all`.
const dir = mkdtempSync(join(tmpdir(), 'corral-failover-'))
let c: Cluster
t.before(async () => { c = await startCluster(dir, 3, 4403) })
t.teardown(() => { c?.stop(); rmSync(dir, { recursive: true, force: true }) })

const ADDRS = [1, 2, 3, 4, 5, 6].map(i => `198.51.100.${i}`)
const recorded = (pnn: number): string[] => {
  try {
    return Object.keys(JSON.parse(readFileSync(join(c.nodes[pnn].dir, 'state', 'recorded-addresses.json'), 'utf8')) as object)
  } catch {
    return []
  }
}
const cli = (pnn: number, ...args: string[]): ReturnType<typeof corral> => corral(['--socket', c.nodes[pnn].socket, ...args])
const ipAll = (pnn: number): Map<string, number> => {
  const r = cli(pnn, '--json', 'ip', 'all')
  return new Map((JSON.parse(r.stdout) as { ips: Array<{ ip: string, pnn: number }> }).ips.map(x => [x.ip, x.pnn]))
}
// Every address recorded on exactly one of `on`, and on none of the others.
const spreadOver = (on: number[]): Map<string, number> | null => {
  const where = new Map<string, number>()
  for (let p = 0; p < 3; p++) {
    for (const ip of recorded(p)) {
      if (where.has(ip) || !on.includes(p)) return null
      where.set(ip, p)
    }
  }
  return ADDRS.every(a => where.has(a)) ? where : null
}

t.test('every address ends up on exactly one node, two per node', async t => {
  await c.waitFor('a healthy cluster', async () => await healthyFrom(c, 0, [0, 1, 2]))
  const where = await c.waitFor('addresses 2/2/2', async () => {
    const w = spreadOver([0, 1, 2])
    return w !== null && [0, 1, 2].every(p => [...w.values()].filter(x => x === p).length === 2) ? w : null
  }, 30_000)
  t.same(ipAll(0), where, '`corral ip all` agrees with what each node recorded')
  const one = cli(1, 'ip')
  t.match(one.stdout, /^Public IPs on node 1\n198\.51\.100\.1 -?\d\n/, 'CTDB layout, ascending')
})

t.test('a node killed with -9 loses its addresses to the others', async t => {
  process.kill(c.pid(2), 'SIGKILL')
  const t0 = Date.now()
  // Node 2's record stays as it was (nothing runs there); the survivors must hold every address.
  const onSurvivors = await c.waitFor('addresses on nodes 0 and 1', async () => {
    const held = [...recorded(0), ...recorded(1)]
    return ADDRS.every(a => held.filter(x => x === a).length === 1) ? held : null
  }, 30_000)
  t.equal(onSurvivors.length, 6)
  t.comment(`kill -9 -> addresses on survivors (recorded mode, loopback): ${Date.now() - t0} ms`)
})

t.test('ipinfo, ifaces and ip -v show where an address is and on which interface', async t => {
  const owner = ipAll(0).get('198.51.100.1')!
  const info = cli(owner, 'ipinfo', '198.51.100.1')
  t.equal(info.code, 0)
  t.match(info.stdout, new RegExp(`^Public IP\\[198\\.51\\.100\\.1\\] info on node ${owner}\\nIP:198\\.51\\.100\\.1\\nCurrentNode:${owner}\\nNumInterfaces:1\\nInterface\\[1\\]: Name:corral0 Link:up References:\\d \\(active\\)`))
  t.match(cli(0, 'ifaces').stdout, /^Interfaces on node 0\nname:corral0 link:up references:\d/)
  t.match(cli(owner, 'ip', '-v').stdout, /198\.51\.100\.1 node\[\d\] active\[corral0\] available\[corral0\] configured\[corral0\]/)
  const unknown = cli(0, 'ipinfo', '203.0.113.9')
  t.equal(unknown.code, 1)
  t.match(unknown.stderr, /Node 0 does not know IP 203\.0\.113\.9/)
  t.match(cli(0, 'ipinfo', 'nonsense').stderr, /'nonsense' is not an IPv4 or IPv6 address/)
})

t.test('moveip puts an address on the named node; ip plan --live shows the leader\'s plan', async t => {
  const before = ipAll(0)
  const ip = [...before].find(([, p]) => p === 0)![0]
  const r = cli(0, 'moveip', ip, '1')
  t.equal(r.code, 0, r.stderr)
  t.ok(recorded(1).includes(ip) && !recorded(0).includes(ip), `${ip} recorded on node 1 only`)
  const plan = cli(0, 'ip', 'plan', '--live')
  t.equal(plan.code, 0, plan.stderr)
  t.equal(plan.stdout.trim().split('\n').length, 6, 'one line per address')
  t.match(cli(0, 'moveip', ip, '2').stderr, /node 2 is not connected/)
})

t.test('a node reported unhealthy by `corral notify` gives its addresses away, and gets them back', async t => {
  t.equal(cli(0, '-n', '1', 'notify', 'unhealthy', 'storage', 'gone').code, 0)
  await c.waitFor('node 1 holds nothing', async () => recorded(1).length === 0 && recorded(0).length === 6)
  t.match(cli(0, 'status').stdout, /pnn:1 127\.0\.0\.2 +UNHEALTHY/)
  t.equal(cli(1, 'notify', 'healthy').code, 0)
  const bad = cli(1, 'notify', 'sideways')
  t.equal(bad.code, 64, 'a state other than healthy or unhealthy is a usage error')
  t.match(bad.stderr, /expected healthy or unhealthy, got 'sideways'/)
  await c.waitFor('node 1 hosts again', async () => recorded(1).length > 0, 30_000)
  t.pass('addresses came back after healthy')
})

t.test('ip hosts set limits hosting cluster-wide until cleared', async t => {
  t.equal(cli(1, 'ip', 'hosts', 'set', '1').code, 0)
  await c.waitFor('every address on node 1', async () => recorded(1).length === 6 && recorded(0).length === 0)
  t.equal(cli(0, 'ip', 'hosts', 'clear').code, 0)
  await c.waitFor('node 0 hosts again', async () => recorded(0).length > 0)
  t.match(cli(0, 'ip', 'hosts', 'set', '9').stderr, /node 9 is not in the nodes file/)
  t.match(cli(0, 'ip', 'hosts', 'frob').stderr, /expected 'set PNN,PNN' or 'clear'/)
})

t.test('addip and delip change a node\'s addresses at run time', async t => {
  const add = cli(0, 'addip', '203.0.113.7/24', 'corral1')
  t.equal(add.code, 0, `addip: ${add.stderr}`)
  t.ok(ipAll(0).has('203.0.113.7'), 'known and placed')
  t.match(cli(0, 'addip', '203.0.113.7/24', 'corral1').stdout, /Node 0 already knows IP 203\.0\.113\.7/)
  t.equal(cli(0, 'delip', '203.0.113.7').code, 0)
  await c.waitFor('gone from node 0', async () => !ipAll(0).has('203.0.113.7') && !recorded(0).includes('203.0.113.7'))
  t.match(cli(0, 'addip', '203.0.113.7', 'corral1').stderr, /expected IP\/MASKBITS/)
  t.match(cli(0, 'addip', '203.0.113.7/40', 'corral1').stderr, /mask \/40 must be 1-32/)
})

t.test('setifacelink down makes the node\'s addresses move away', async t => {
  t.equal(cli(0, 'setifacelink', 'corral0', 'down').code, 0)
  await c.waitFor('node 0 holds nothing', async () => recorded(0).length === 0)
  t.match(cli(0, 'ifaces').stdout, /name:corral0 link:down references:0/)
  t.equal(cli(0, 'setifacelink', 'corral0', 'up').code, 0)
  t.match(cli(0, 'setifacelink', 'eth9', 'up').stderr, /interface eth9 is not used by any public address of node 0/)
  t.match(cli(0, 'setifacelink', 'corral0', 'sideways').stderr, /link state must be up or down/)
})
