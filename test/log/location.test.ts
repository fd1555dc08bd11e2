import t from 'tap'
import { createLogger, parseLocation } from '../../engine/log/index.js'

t.test('locations parse as CTDB spells them, with corral\'s address extension', async t => {
  const cases: Array<[string, unknown]> = [
    ['stderr', { kind: 'stderr' }],
    ['file:', { kind: 'stderr' }],
    ['file:-', { kind: 'stderr' }],
    ['file:/var/log/corral/corral.log', { kind: 'file', path: '/var/log/corral/corral.log' }],
    ['file:relative.log', { kind: 'file', path: 'relative.log' }],
    ['syslog:udp', { kind: 'syslog', format: 'rfc3164', host: '127.0.0.1', port: 514 }],
    ['syslog:udp-rfc5424', { kind: 'syslog', format: 'rfc5424', host: '127.0.0.1', port: 514 }],
    ['syslog:udp:10.0.0.5:5514', { kind: 'syslog', format: 'rfc3164', host: '10.0.0.5', port: 5514 }],
    ['syslog:udp-rfc5424:loghost:514', { kind: 'syslog', format: 'rfc5424', host: 'loghost', port: 514 }],
    ['syslog:udp:[::1]:514', { kind: 'syslog', format: 'rfc3164', host: '::1', port: 514 }],
  ]
  for (const [text, want] of cases) t.same(parseLocation(text), want, text)
})

t.test('an unknown location is a CorralError naming the key and the value', async t => {
  for (const bad of ['syslog:tcp', 'journald', 'stdout', 'FILE:/x', '']) {
    t.throws(() => parseLocation(bad), { code: 'CORRAL_E_CONFIG_VALUE', place: { field: 'logging.location' }, message: new RegExp(`^logging\\.location: unknown log location '${bad}'`) }, `'${bad}' is refused`)
  }
})

t.test('a bad syslog address is refused with the expected form', async t => {
  for (const bad of ['syslog:udp:nowhere', 'syslog:udp:host:0', 'syslog:udp:host:70000', 'syslog:udp::514', 'syslog:udp:::1:514', 'syslog:udp:[host]:514', 'syslog:udp-rfc5424:']) {
    t.throws(() => parseLocation(bad), { code: 'CORRAL_E_CONFIG_VALUE', place: { field: 'logging.location' } }, `'${bad}' is refused`)
  }
  t.throws(() => parseLocation('syslog:udp:nowhere'), { message: /HOST:PORT, got 'nowhere'/ })
})

t.test('CTDB\'s /dev/log locations are refused with a pointer to syslog:udp', async t => {
  for (const ctdbOnly of ['syslog', 'syslog:nonblocking']) {
    t.throws(() => createLogger({ location: ctdbOnly, level: 'NOTICE', program: 'x' }), { code: 'CORRAL_E_CONFIG_VALUE', message: /logging\.location.*\/dev\/log.*syslog:udp/ })
  }
})
