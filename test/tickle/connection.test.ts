import t from 'tap'
import { formatEndpoint, normalizeIp, parseConnectionLines, parseEndpoint, parseSsEstablished, requireConnection } from '../../engine/tickle/index.js'

t.test('endpoints are read as CTDB writes them: IPv4 bare, IPv6 in brackets', async t => {
  t.same(parseEndpoint('198.51.100.1:445'), { ip: '198.51.100.1', port: 445 })
  t.same(parseEndpoint('[2001:db8:0::0001]:2049'), { ip: '2001:db8::1', port: 2049 })
  t.same(parseEndpoint('2001:db8::1:2049'), { ip: '2001:db8::1', port: 2049 }, 'the last colon separates the port, as CTDB')
  t.same(parseEndpoint('[::ffff:198.51.100.1]:445'), { ip: '198.51.100.1', port: 445 }, 'a v4-mapped address is the IPv4 client')
  t.same(parseEndpoint('[fe80::1%eth0]:22'), { ip: 'fe80::1', port: 22 }, 'the scope is dropped')
  for (const bad of ['198.51.100.1', '198.51.100.1:0', '198.51.100.1:65536', 'host:445', '[2001:db8::1]', '*:445', '']) t.equal(parseEndpoint(bad), null, `'${bad}' is not an endpoint`)
  t.equal(formatEndpoint({ ip: '2001:db8::1', port: 445 }), '[2001:db8::1]:445')
  t.equal(formatEndpoint({ ip: '192.0.2.9', port: 40000 }), '192.0.2.9:40000')
  t.equal(normalizeIp('::FFFF:192.0.2.1'), '192.0.2.1')
})

t.test('ss output: only connections whose local end is a held public address, client first', async t => {
  const ss = [
    '0      0      198.51.100.1:445     192.0.2.9:40001',
    '0      0      192.0.2.1:4380       192.0.2.2:51000',
    '0      36     [::ffff:198.51.100.2]:445 [::ffff:192.0.2.9]:40002',
    '0      0      [2001:db8::10]:2049  [2001:db8::9]:700',
    'ESTAB  0      0      198.51.100.1:2049    192.0.2.8:901',
    '',
    'garbage line',
  ].join('\n')
  const held = new Set(['198.51.100.1', '198.51.100.2', '2001:db8::10'])
  t.same(parseSsEstablished(ss, held), [
    { src: { ip: '192.0.2.9', port: 40001 }, dst: { ip: '198.51.100.1', port: 445 } },
    { src: { ip: '192.0.2.9', port: 40002 }, dst: { ip: '198.51.100.2', port: 445 } },
    { src: { ip: '2001:db8::9', port: 700 }, dst: { ip: '2001:db8::10', port: 2049 } },
    { src: { ip: '192.0.2.8', port: 901 }, dst: { ip: '198.51.100.1', port: 2049 } },
  ])
  t.same(parseSsEstablished(ss, new Set()), [], 'nothing held, nothing tracked')
})

t.test('addtickle lines: comments and blanks skipped, a bad line named by its number', async t => {
  t.same(parseConnectionLines('# clients\n192.0.2.9:40001 198.51.100.1:445\n\n  [2001:db8::9]:7 [2001:db8::10]:2049\n'), [
    { src: { ip: '192.0.2.9', port: 40001 }, dst: { ip: '198.51.100.1', port: 445 } },
    { src: { ip: '2001:db8::9', port: 7 }, dst: { ip: '2001:db8::10', port: 2049 } },
  ])
  t.throws(() => parseConnectionLines('192.0.2.9:1 198.51.100.1:445\n192.0.2.9:1\n'), { code: 'CORRAL_E_USAGE', message: 'stdin line 2: expected "SRC:PORT DST:PORT", got \'192.0.2.9:1\'' })
  t.throws(() => parseConnectionLines('192.0.2.9:1 198.51.100.1:99999\n', 'pairs'), { code: 'CORRAL_E_USAGE', message: /^pairs line 1: '198\.51\.100\.1:99999' is not ADDRESS:PORT/ })
  t.throws(() => requireConnection('192.0.2.9:1', '[2001:db8::1]:445', 'arguments'), { message: 'arguments: 192.0.2.9:1 and [2001:db8::1]:445 are not of one address family' })
})
