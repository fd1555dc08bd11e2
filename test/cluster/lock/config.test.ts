import t from 'tap'
import { parseEtcdLockUrl, parseLockConfig, validateLockConfig } from '../../../engine/cluster/lock/index.js'
import { isCorralError } from '../../../engine/errors/index.js'

t.test('a !command is split on blanks and run without a shell', async t => {
  const h = parseLockConfig('!/usr/libexec/ctdb/ctdb_mutex_fcntl_helper  /clusterfs/.ctdb/lock\t10')
  t.equal(h.kind, 'command')
  t.equal(h.file, '/usr/libexec/ctdb/ctdb_mutex_fcntl_helper')
  t.same(h.args, ['/clusterfs/.ctdb/lock', '10'])
})

t.test('a plain absolute path runs the built-in file helper with the path as one argument', async t => {
  const h = parseLockConfig('/shared/corral lock', { recheckIntervalS: 2 })
  t.equal(h.kind, 'file')
  t.equal(h.file, process.execPath)
  t.same(h.args.slice(-2), ['/shared/corral lock', '2'])
  t.match(h.args.at(-3), /file-helper\.(ts|js)$/)
})

t.test('an etcd URL runs the built-in etcd helper with the URL', async t => {
  const h = parseLockConfig('etcd://127.0.0.1:2379/corral/lock?ttl=7')
  t.equal(h.kind, 'etcd')
  t.equal(h.args.at(-1), 'etcd://127.0.0.1:2379/corral/lock?ttl=7')
  t.match(h.args.at(-2), /etcd-helper\.(ts|js)$/)
})

t.test('etcd URLs give endpoints, key, TTL and TLS files', async t => {
  t.same(parseEtcdLockUrl('etcd://10.0.0.1,10.0.0.2:2479/a/b?ttl=3'), { hosts: ['http://10.0.0.1:2379', 'http://10.0.0.2:2479'], key: 'a/b', ttlS: 3 })
  t.same(parseEtcdLockUrl('etcd://h'), { hosts: ['http://h:2379'], key: 'corral/cluster-lock', ttlS: 5 })
  t.same(parseEtcdLockUrl('etcds://h:2379/k?ca=/c.pem&cert=/x.pem&key=/x.key'),
    { hosts: ['https://h:2379'], key: 'k', ttlS: 5, ca: '/c.pem', cert: '/x.pem', certKey: '/x.key' })
})

t.test('bad lock strings are config errors that name the problem', async t => {
  for (const [value, why] of [
    ['', /empty/], ['!', /needs a command/], ['relative/lock', /absolute path/],
    ['etcd://', /no etcd endpoint/], ['etcd://h/k?ttl=1', /ttl must be/], ['etcd://h/k?tll=5', /unknown parameter "tll"/],
    ['etcd://h/k?ca=/c', /need etcds/], ['etcds://h/k?cert=/c', /go together/], ['etcd://h h/k', /bad endpoint/],
  ] as const) {
    let caught: unknown
    try {
      validateLockConfig(value)
    } catch (err) {
      caught = err
    }
    t.ok(isCorralError(caught, 'CORRAL_E_CONFIG_VALUE'), `"${value}" is a CORRAL_E_CONFIG_VALUE`)
    t.match((caught as Error).message, why)
  }
})
