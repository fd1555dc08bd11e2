import t from 'tap'
import { compareDigests, type ConfigDigest } from '../../engine/validate/index.js'

const digest = (pnn: number, over: Partial<ConfigDigest> = {}): ConfigDigest => ({
  pnn, configFile: `/n${pnn}/corral.conf`,
  settings: { '[cluster] port': '4379', '[cluster] cluster lock': '/shared/lock', '[failover] disabled': 'false' },
  nodesFile: `/n${pnn}/nodes`, nodes: ['192.0.2.1', '192.0.2.2', '192.0.2.3'],
  publicAddressesFile: `/n${pnn}/public_addresses`, publicAddresses: ['198.51.100.1/24 eth0'],
  tunables: { MonitorInterval: 15, NoIPFailback: 0 }, keyFingerprint: 'abc', problems: [], ...over,
})

t.test('identical nodes have no drift (per-node paths are not compared)', async t => {
  t.same(compareDigests([digest(0), digest(1), digest(2)]), [])
})

t.test('each difference is one item, values grouped with the most common first', async t => {
  const d = compareDigests([
    digest(0),
    digest(1, { tunables: { MonitorInterval: 20, NoIPFailback: 0 }, nodes: ['192.0.2.1', '192.0.2.2'] }),
    digest(2, { settings: { '[cluster] port': '4380', '[cluster] cluster lock': '/shared/lock', '[failover] disabled': 'false' }, keyFingerprint: 'zzz' }),
  ])
  t.same(d.map(x => `${x.what}:${x.name}`), ['setting:[cluster] port', 'nodes:', 'tunable:MonitorInterval', 'cluster key:'])
  t.ok(d.every(x => x.mustMatch))
  t.same(d[2].values, [{ value: '15', pnns: [0, 2] }, { value: '20', pnns: [1] }])
})

t.test('different public addresses are reported but do not have to match', async t => {
  const d = compareDigests([digest(0), digest(1, { publicAddresses: ['198.51.100.1/24 eth0', '198.51.100.2/24 eth0'] })])
  t.equal(d.length, 1)
  t.equal(d[0].what, 'public addresses')
  t.equal(d[0].mustMatch, false)
})
