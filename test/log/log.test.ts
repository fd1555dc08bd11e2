import t from 'tap'
import { createSocket } from 'node:dgram'
import { mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createLogger, parseLogLevel, StreamSink, SyslogSink } from '../../engine/log/index.js'

const dir = mkdtempSync(join(tmpdir(), 'corral-log-'))
t.teardown(() => rmSync(dir, { recursive: true, force: true }))

t.test('levels parse as CTDB: numbers 0-10 and name prefixes', async t => {
  const cases: Array<[string, string]> = [['0', 'ERROR'], ['1', 'WARNING'], ['2', 'WARNING'], ['3', 'NOTICE'], ['4', 'NOTICE'], ['5', 'INFO'], ['9', 'INFO'], ['10', 'DEBUG'], ['ERR', 'ERROR'], ['warn', 'WARNING'], ['Notice', 'NOTICE'], ['i', 'INFO'], ['DEBUG', 'DEBUG']]
  for (const [input, want] of cases) t.equal(parseLogLevel(input), want, input)
  t.throws(() => parseLogLevel('loud'), { code: 'CORRAL_E_CONFIG_VALUE', message: /logging\.log level.*unknown log level 'loud'/ })
  t.throws(() => parseLogLevel('11'), { code: 'CORRAL_E_CONFIG_VALUE' })
})

t.test('a bad location is refused naming the key', async t => {
  t.throws(() => createLogger({ location: 'syslog:tcp', level: 'NOTICE', program: 'x' }), { code: 'CORRAL_E_CONFIG_VALUE', message: /logging\.location.*unknown log location 'syslog:tcp'/ })
  t.throws(() => createLogger({ location: 'syslog:udp:nowhere', level: 'NOTICE', program: 'x' }), { code: 'CORRAL_E_CONFIG_VALUE', message: /HOST:PORT/ })
})

t.test('the file sink writes JSON lines at or above the level, and reopens after a rename', async t => {
  const file = join(dir, 'corral.log')
  const log = createLogger({ location: `file:${file}`, level: 'NOTICE', program: 'corrald' })
  log.notice({ a: 1 }, 'first')
  log.info({}, 'hidden at NOTICE')
  log.child({ component: 'events' }).warn({}, 'from a child')
  await new Promise(resolve => setTimeout(resolve, 100))
  renameSync(file, `${file}.1`)
  log.reopen()
  log.error({}, 'after rotation')
  await log.flushAndClose()
  const old = readFileSync(`${file}.1`, 'utf8').trim().split('\n').map(l => JSON.parse(l) as { msg: string, level: number, component?: string })
  t.same(old.map(r => r.msg), ['first', 'from a child'])
  t.equal(old[1].level, 40)
  t.equal(old[1].component, 'events')
  t.same(readFileSync(file, 'utf8').trim().split('\n').map(l => (JSON.parse(l) as { msg: string }).msg), ['after rotation'])
})

async function receive (rfc: 'udp' | 'udp-rfc5424'): Promise<string> {
  const sock = createSocket('udp4')
  await new Promise<void>(resolve => sock.bind(0, '127.0.0.1', resolve))
  const port = sock.address().port
  const got = new Promise<string>(resolve => sock.once('message', m => resolve(m.toString())))
  const log = createLogger({ location: `syslog:${rfc}:127.0.0.1:${port}`, level: 'DEBUG', program: 'corrald' })
  log.warning({ node: 2 }, 'node 2 is unhealthy')
  const text = await got
  await log.flushAndClose()
  sock.close()
  return text
}

t.test('syslog over UDP in RFC 3164 form', async t => {
  t.equal(await receive('udp'), `<28>corrald[${process.pid}]: node 2 is unhealthy program=corrald node=2`)
})

t.test('syslog over UDP in RFC 5424 form', async t => {
  t.match(await receive('udp-rfc5424'), new RegExp(`^<28>1 \\d{4}-\\d\\d-\\d\\dT[0-9:.]+Z \\S+ corrald ${process.pid} - - node 2 is unhealthy`))
})

t.test('a syslog sink that falls behind drops and counts, then reports the count', async t => {
  const sock = createSocket('udp4')
  await new Promise<void>(resolve => sock.bind(0, '127.0.0.1', resolve))
  const msgs: string[] = []
  sock.on('message', m => msgs.push(m.toString()))
  const sink = new SyslogSink('syslog:udp', '3164', '127.0.0.1', sock.address().port, 'x', 5)
  for (let i = 0; i < 50; i++) sink.write(JSON.stringify({ level: 30, msg: `m${i}` }))
  t.ok(sink.dropped() >= 40, `dropped ${sink.dropped()}`)
  await new Promise(resolve => setTimeout(resolve, 200))
  sink.write(JSON.stringify({ level: 30, msg: 'after' }))
  await new Promise(resolve => setTimeout(resolve, 200))
  t.ok(msgs.some(m => /dropped \d+ log messages \(sink syslog:udp was behind\)/.test(m)), 'the count is logged once the sink recovers')
  t.ok(msgs.some(m => m.endsWith('after')))
  await sink.close()
  sock.close()
})

t.test('a file sink that cannot keep up drops instead of blocking the event loop', async t => {
  const sink = new StreamSink('file:big', { path: join(dir, 'big.log') }, 64 * 1024)
  let ticks = 0
  const timer = setInterval(() => { ticks++ }, 10)
  const line = JSON.stringify({ level: 30, msg: 'x'.repeat(1000) }) + '\n'
  const t0 = Date.now()
  for (let i = 0; i < 20_000; i++) sink.write(line)
  const writeMs = Date.now() - t0
  await new Promise(resolve => setTimeout(resolve, 300))
  clearInterval(timer)
  t.ok(sink.dropped() > 0, `dropped ${sink.dropped()} of 20000`)
  t.ok(writeMs < 1000, `20,000 writes returned in ${writeMs} ms`)
  t.ok(ticks >= 10, `the event loop kept ticking (${ticks} ticks)`)
  sink.write(line)
  await sink.close()
  t.match(readFileSync(join(dir, 'big.log'), 'utf8'), /dropped \d+ log messages \(sink file:big was behind\)/)
})
