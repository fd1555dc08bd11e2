import t from 'tap'
import { FACILITY_DAEMON, formatSyslog, PINO_LEVEL, syslogText, type SyslogOrigin } from '../../engine/log/index.js'

const o3164: SyslogOrigin = { format: 'rfc3164', program: 'corrald', pid: 4242, hostname: 'node1' }
const o5424: SyslogOrigin = { ...o3164, format: 'rfc5424' }
const line = (rec: Record<string, unknown>): string => JSON.stringify({ time: Date.UTC(2024, 0, 2, 3, 4, 5, 678), pid: 1, hostname: 'h', program: 'corrald', ...rec })

t.test('PRI is facility daemon times 8 plus the severity of the CTDB level', async t => {
  t.equal(FACILITY_DAEMON, 3)
  const want: Record<string, number> = { ERROR: 27, WARNING: 28, NOTICE: 29, INFO: 30, DEBUG: 31 }
  for (const [name, n] of Object.entries(PINO_LEVEL)) {
    t.match(formatSyslog(line({ level: n, msg: 'm' }), o3164).toString(), new RegExp(`^<${want[name]}>`), `${name} has PRI ${want[name]}`)
  }
})

t.test('the RFC 3164 form is CTDB\'s: <PRI>prog[pid]: text', async t => {
  t.equal(formatSyslog(line({ level: 40, msg: 'node 2 is unhealthy', node: 2 }), o3164).toString(), '<28>corrald[4242]: node 2 is unhealthy node=2')
})

t.test('the RFC 5424 form carries version, timestamp, hostname, program and pid', async t => {
  t.equal(formatSyslog(line({ level: 30, msg: 'hello' }), o5424).toString(), '<30>1 2024-01-02T03:04:05.678Z node1 corrald 4242 - - hello')
  t.match(formatSyslog(line({ level: 30, msg: 'x' }), { ...o5424, hostname: '' }).toString(), /^<30>1 \S+ - corrald 4242 - - x$/, 'no hostname is the nil value')
})

t.test('structured fields follow the message as key=value, quoted only when needed', async t => {
  const text = syslogText({ level: 30, time: 1, pid: 1, hostname: 'h', program: 'p', msg: 'took 10.0.0.1', component: 'ip', pnn: 0, ok: true, none: null, iface: 'eth 0', args: ['a', 1], eq: 'a=b' })
  t.equal(text, 'took 10.0.0.1 component=ip pnn=0 ok=true none=null iface="eth 0" args=["a",1] eq="a=b"')
})

t.test('an error field shows its type and message, not its stack', async t => {
  const text = syslogText({ msg: 'cannot join', err: { type: 'Error', message: 'connect ECONNREFUSED', stack: 'Error: connect ECONNREFUSED\n    at x (y.js:1:1)' } })
  t.equal(text, 'cannot join err="Error: connect ECONNREFUSED"')
})

t.test('newlines never split a datagram into several syslog lines', async t => {
  t.equal(syslogText({ msg: 'line one\nline two', out: 'a\r\nb' }), 'line one line two out="a b"')
})

t.test('datagrams are cut at the byte limit, never inside a UTF-8 character', async t => {
  const long = formatSyslog(line({ level: 30, msg: 'x'.repeat(5000) }), o3164)
  t.equal(long.length, 1024, 'cut at SYSLOG_MAX_MESSAGE_BYTES')
  const head = '<30>corrald[4242]: '
  const euro = formatSyslog(line({ level: 30, msg: 'a' + '€'.repeat(20) }), o3164, head.length + 1 + 3 * 5 + 2)
  t.equal(euro.toString(), head + 'a' + '€'.repeat(5), 'a partial character is left out')
  t.notOk(euro.toString().includes('\uFFFD'))
})

t.test('a line that is not JSON is sent as NOTICE text', async t => {
  t.equal(formatSyslog('plain words\n', o3164).toString(), '<29>corrald[4242]: plain words')
})
