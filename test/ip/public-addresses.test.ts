import t from 'tap'
import { parsePublicAddresses } from '../../engine/ip/index.js'

t.test('CTDB lines with comments, blank lines, IPv4, IPv6 and interface lists', async t => {
  const r = parsePublicAddresses('# public\n\n192.0.2.10/24 eth1\n  198.51.100.5/24\teth2,eth3\n2001:db8::10/64 eth1\n', 'public_addresses')
  t.same(r, [
    { ip: '192.0.2.10', maskbits: 24, ifaces: ['eth1'], line: 3 },
    { ip: '198.51.100.5', maskbits: 24, ifaces: ['eth2', 'eth3'], line: 4 },
    { ip: '2001:db8::10', maskbits: 64, ifaces: ['eth1'], line: 5 },
  ])
})

t.test('one bad line is named by file and line', async t => {
  t.throws(() => parsePublicAddresses('192.0.2.10 eth1\n', '/etc/corral/public_addresses'), { code: 'CORRAL_E_ADDRESSES_FILE', message: "/etc/corral/public_addresses:1: '192.0.2.10' has no /MASKBITS" })
  t.throws(() => parsePublicAddresses('192.0.2.10/33 eth1\n', 'pa'), { message: "pa:1: mask '/33' must be 1-32" })
  t.throws(() => parsePublicAddresses('192.0.2.10/24\n', 'pa'), { message: 'pa:1: No interface specified for 192.0.2.10/24' })
})

t.test('every problem is reported at once, duplicates included', async t => {
  t.throws(() => parsePublicAddresses('192.0.2.10/24 eth1\nbogus/24 eth1\n192.0.2.10/24 eth2\n', 'pa'), {
    message: "2 problems:\npa:2: 'bogus' is not an IPv4 or IPv6 address\npa:3: 192.0.2.10 is listed twice (first on line 1)",
  })
})
