import t from 'tap'
import { parseConfigText } from '../../engine/config/index.js'
import { isCorralError } from '../../engine/errors/index.js'
import { isLoopback, parseMetricsAddress } from '../../engine/metrics/address.js'

const load = (lines: string[]): ReturnType<typeof parseConfigText> => parseConfigText(lines.join('\n'), '/etc/corral/corral.conf', '/etc/corral')

t.test('metrics are off by default', async t => {
  const c = load([])
  t.equal(c.metrics.address, null)
  t.equal(c.metrics.allowNonLoopback, false)
})

t.test('a loopback address, an IPv6 loopback and node:PORT are accepted', async t => {
  t.same(load(['[metrics]', 'address = 127.0.0.1:9100']).metrics.address, { host: '127.0.0.1', port: 9100 })
  t.same(load(['[metrics]', 'address = [::1]:0']).metrics.address, { host: '::1', port: 0 })
  t.same(load(['[metrics]', 'address = localhost:9100']).metrics.address, { host: 'localhost', port: 9100 })
  t.same(load(['[metrics]', 'address = node:9100']).metrics.address, { host: null, port: 9100 })
})

t.test('a non-loopback address is refused at load, naming the key, unless allowed', async t => {
  const err = t.throws(() => load(['[metrics]', 'address = 0.0.0.0:9100'])) as Error
  t.ok(isCorralError(err) && err.code === 'CORRAL_E_CONFIG_VALUE')
  t.match(err.message, /\[metrics\] address/)
  t.match(err.message, /not a loopback address/)
  t.match(err.message, /corral\.conf:2/)
  t.same(load(['[metrics]', 'address = 10.1.2.3:9100', 'allow non-loopback = true']).metrics.address, { host: '10.1.2.3', port: 9100 })
})

t.test('a malformed address is a config error naming the key', async t => {
  for (const bad of ['9100', '127.0.0.1', '127.0.0.1:99999', '[10.0.0.1]:80', 'a b:1', '::1:9100']) {
    const err = t.throws(() => load(['[metrics]', `address = ${bad}`]), bad) as Error
    t.match(err.message, /\[metrics\] address/, bad)
  }
})

t.test('loopback means 127/8, ::1 and localhost only', async t => {
  for (const h of ['127.0.0.1', '127.0.0.2', '::1', '0:0:0:0:0:0:0:1', 'localhost', '::ffff:127.0.0.1']) t.ok(isLoopback(h), h)
  for (const h of ['0.0.0.0', '::', '10.0.0.1', 'example.org', '128.0.0.1']) t.notOk(isLoopback(h), h)
  t.type(parseMetricsAddress('x'), 'string')
})
