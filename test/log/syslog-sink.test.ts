import t, { type Test } from 'tap'
import { createSocket, type Socket } from 'node:dgram'
import { hostname } from 'node:os'
import { setTimeout as sleep } from 'node:timers/promises'
import { createLogger, SyslogSink } from '../../engine/log/index.js'

/** A real syslog receiver on 127.0.0.1 at a random port. */
async function listener (t: Test): Promise<{ port: number, msgs: string[], next: () => Promise<string> }> {
  const sock: Socket = createSocket('udp4')
  await new Promise<void>(resolve => { sock.bind(0, '127.0.0.1', resolve) })
  t.teardown(() => { sock.close() })
  const msgs: string[] = []
  let waiter: ((m: string) => void) | undefined
  sock.on('message', m => { msgs.push(m.toString()); waiter?.(m.toString()); waiter = undefined })
  return { port: sock.address().port, msgs, next: async () => await new Promise<string>(resolve => { waiter = resolve }) }
}

async function until (what: () => boolean, ms = 2000): Promise<void> {
  const end = Date.now() + ms
  while (!what() && Date.now() < end) await sleep(5)
}

t.test('RFC 3164 datagrams reach a real UDP socket with PRI, program, pid and text', async t => {
  const rx = await listener(t)
  const log = createLogger({ location: `syslog:udp:127.0.0.1:${rx.port}`, level: 'DEBUG', program: 'corrald' })
  const got = rx.next()
  log.warning({ node: 2 }, 'node 2 is unhealthy')
  t.equal(await got, `<28>corrald[${process.pid}]: node 2 is unhealthy node=2`)
  const child = rx.next()
  log.child({ component: 'events' }).error({ err: new Error('boom') }, 'script failed')
  t.equal(await child, `<27>corrald[${process.pid}]: script failed component=events err="Error: boom"`, 'a child logger\'s bindings travel as fields')
  await log.flushAndClose()
})

t.test('RFC 5424 datagrams reach a real UDP socket with PRI, timestamp, hostname, program and pid', async t => {
  const rx = await listener(t)
  const log = createLogger({ location: `syslog:udp-rfc5424:127.0.0.1:${rx.port}`, level: 'INFO', program: 'corrald', bindings: { pnn: 1 } })
  const got = rx.next()
  const before = Date.now()
  log.info('takeover run done')
  const text = await got
  const m = /^<30>1 (\S+) (\S+) corrald (\d+) - - takeover run done pnn=1$/.exec(text)
  t.ok(m, text)
  t.equal(m?.[2], hostname())
  t.equal(Number(m?.[3]), process.pid)
  t.ok(Math.abs(Date.parse(m?.[1] ?? '') - before) < 5000, 'the timestamp is now')
  const debug = rx.next()
  log.debug('not at INFO')
  log.notice('at INFO')
  t.match(await debug, /^<29>1 .* - - at INFO pnn=1$/, 'messages below the level are not sent')
  await log.flushAndClose()
})

t.test('a syslog sink at its in-flight limit drops and counts, then reports the count once', async t => {
  const rx = await listener(t)
  const sink = new SyslogSink({ format: 'rfc3164', host: '127.0.0.1', port: rx.port, program: 'x', limit: 5 })
  for (let i = 0; i < 50; i++) sink.write(JSON.stringify({ level: 30, msg: `m${i}` }))
  t.equal(sink.dropped(), 45, 'only 5 are in flight; 45 are dropped')
  await until(() => rx.msgs.some(m => m.includes('dropped')))
  t.same(rx.msgs.filter(m => /m\d+$/.test(m)).length, 5)
  t.same(rx.msgs.filter(m => m.includes('dropped')), [`<28>x[${process.pid}]: dropped 45 log messages (sink syslog:udp:127.0.0.1:${rx.port} was behind) dropped=45 sink=syslog:udp:127.0.0.1:${rx.port}`])
  t.equal(sink.dropped(), 45, 'the total stays for metrics')
  await sink.close()
})

t.test('the logger reports a syslog sink\'s drops as a WARNING through itself', async t => {
  const rx = await listener(t)
  const log = createLogger({ location: `syslog:udp:127.0.0.1:${rx.port}`, level: 'INFO', program: 'corrald', bufferMessages: 3 })
  for (let i = 0; i < 10; i++) log.info(`m${i}`)
  t.equal(log.droppedCount(), 7)
  await until(() => rx.msgs.some(m => m.includes('dropped')))
  t.match(rx.msgs.find(m => m.includes('dropped')), new RegExp(`^<28>corrald\\[${process.pid}\\]: dropped 7 log messages \\(sink syslog:udp:127\\.0\\.0\\.1:${rx.port} was behind\\)`))
  await log.flushAndClose()
})

t.test('an unreachable syslog neither throws nor blocks', async t => {
  const log = createLogger({ location: 'syslog:udp:127.0.0.1:9', level: 'INFO', program: 'corrald' })
  for (let i = 0; i < 100; i++) log.info('into the void')
  await log.flushAndClose()
  t.pass('no exception')
})
