import t from 'tap'
import { formatTickles } from '../../engine/cli/tickle.js'
import { corral } from './fixtures/daemon.js'

const NO_DAEMON = ['--socket', '/nonexistent/corral-tickle-test.sock']

t.test('gettickles prints CTDB\'s layout', async t => {
  t.equal(formatTickles('198.51.100.1', [
    { src: { ip: '192.0.2.9', port: 40001 }, dst: { ip: '198.51.100.1', port: 445 } },
    { src: { ip: '2001:db8::9', port: 7 }, dst: { ip: '2001:db8::1', port: 2049 } },
  ]), 'Connections for IP: 198.51.100.1\nNum connections: 2\nSRC: 192.0.2.9:40001   DST: 198.51.100.1:445\nSRC: [2001:db8::9]:7   DST: [2001:db8::1]:2049')
  t.equal(formatTickles('198.51.100.1', []), 'Connections for IP: 198.51.100.1\nNum connections: 0')
})

t.test('bad arguments are refused before the daemon is asked, with exit 64 and the value named', async t => {
  const cases: Array<[string[], RegExp, string?]> = [
    [['gettickles', '198.51.100'], /'198\.51\.100' is not an IPv4 or IPv6 address/],
    [['gettickles', '198.51.100.1', '445x'], /PORT must be a number 0-65535, got '445x'/],
    [['addtickle', '192.0.2.9:1'], /give SRC:PORT DST:PORT, or no arguments/],
    [['addtickle', '192.0.2.9', '198.51.100.1:445'], /arguments: '192\.0\.2\.9' is not ADDRESS:PORT/],
    [['deltickle', '192.0.2.9:1', '[2001:db8::1]:445'], /not of one address family/],
    [['addtickle'], /stdin line 2: expected "SRC:PORT DST:PORT"/, '192.0.2.9:1 198.51.100.1:445\n192.0.2.9:2\n'],
    [['tickle', '192.0.2.9:1', '198.51.100.1:0'], /'198\.51\.100\.1:0' is not ADDRESS:PORT/],
  ]
  for (const [args, message, input] of cases) {
    const r = corral([...NO_DAEMON, ...args], { input })
    t.equal(r.code, 64, `${args.join(' ')}: exit 64`)
    t.match(r.stderr, message, `${args.join(' ')}: ${r.stderr.trim()}`)
  }
})

t.test('with --json a failure is a JSON error with its code', async t => {
  const r = corral([...NO_DAEMON, '--json', 'gettickles', 'nope'])
  t.equal(r.code, 64)
  t.same(JSON.parse(r.stdout), { error: { code: 'CORRAL_E_USAGE', message: "'nope' is not an IPv4 or IPv6 address" } })
})

t.test('good arguments and no daemon: CORRAL_E_DAEMON_NOT_RUNNING', async t => {
  const r = corral([...NO_DAEMON, '--json', 'addtickle', '192.0.2.9:1', '198.51.100.1:445'])
  t.equal(r.code, 111)
  t.equal(JSON.parse(r.stdout).error.code, 'CORRAL_E_DAEMON_NOT_RUNNING')
  const empty = corral([...NO_DAEMON, 'addtickle'], { input: '# nothing\n' })
  t.equal(empty.code, 0, 'no lines on stdin: nothing to do, as CTDB')
})
