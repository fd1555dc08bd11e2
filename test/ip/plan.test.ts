import t from 'tap'
import { runIpPlan } from '../../engine/ip/index.js'
import { corral } from '../cli/fixtures/daemon.js'

t.test('ip plan prints IP PNN lines, highest address first', async t => {
  t.equal(await runIpPlan({ nodeFlags: '0,0' }, '192.0.2.1 -1\n192.0.2.2 -1\n'), '192.0.2.2 0\n192.0.2.1 1\n')
})

t.test('bad input names stdin and the line', async t => {
  await t.rejects(runIpPlan({}, '192.0.2.1 0\nnot-an-ip 0\n'), { code: 'CORRAL_E_USAGE', message: /^stdin:2: 'not-an-ip' is not an IPv4 or IPv6 address/ })
  await t.rejects(runIpPlan({}, '192.0.2.1 0\n192.0.2.1 1\n'), { message: /^stdin:2: 192\.0\.2\.1 is listed twice \(first on line 1\)/ })
  await t.rejects(runIpPlan({ nodeFlags: '0,0' }, '192.0.2.1 5\n'), { message: /^stdin:1: node 5 is out of range/ })
  await t.rejects(runIpPlan({ nodeFlags: '0,x' }, '192.0.2.1 0\n'), { message: /--node-flags: entry 1/ })
  await t.rejects(runIpPlan({ algorithm: 'random' }, ''), { message: /--algorithm must be one of/ })
})

t.test('corral ip plan works from the CLI with no daemon', async t => {
  const r = corral(['ip', 'plan', '--node-flags', '0,0x2,0', '--algorithm', 'deterministic'], { input: '192.0.2.1 1\n192.0.2.2 1\n192.0.2.3 1\n' })
  t.equal(r.code, 0, r.stderr)
  t.equal(r.stdout, '192.0.2.3 0\n192.0.2.2 0\n192.0.2.1 2\n', 'i mod 3, then the unhealthy node 1\'s address to the least loaded node')
  const bad = corral(['ip', 'plan'], { input: 'x 0\n' })
  t.equal(bad.code, 64)
  t.match(bad.stderr, /stdin:1/)
})
