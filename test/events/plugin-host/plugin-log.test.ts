import t from 'tap'
import { createPluginLog, formatLogLine } from '../../../engine/events/plugin-host/plugin-log.js'

t.test('log calls become one line each, the way pino takes arguments', async t => {
  const cases: [string, Parameters<typeof formatLogLine>, string][] = [
    ['a message', ['info', {}, ['smbd answers']], 'smbd answers\n'],
    ['printf arguments', ['info', {}, ['port %d on %s', 445, 'eth0']], 'port 445 on eth0\n'],
    ['an object then a message', ['warn', {}, [{ port: 445, host: 'a b' }, 'slow']], 'WARNING: slow port=445 host="a b"\n'],
    ['an object alone', ['info', {}, [{ ok: true }]], 'ok=true\n'],
    ['an error alone', ['error', {}, [new Error('boom')]], 'ERROR: boom\n'],
    ['an error then a message', ['error', {}, [new Error('boom'), 'restart failed']], 'ERROR: restart failed err="boom"\n'],
    ['bindings', ['debug', { ip: '10.0.0.1' }, ['taking']], 'DEBUG: taking ip=10.0.0.1\n'],
    ['nested values', ['info', {}, [{ a: { b: [1] } }, 'x']], 'x a={"b":[1]}\n'],
    ['levels', ['fatal', {}, ['x']], 'FATAL: x\n'],
  ]
  for (const [name, args, line] of cases) t.equal(formatLogLine(...args), line, name)
})

t.test('child loggers add their bindings to every line', async t => {
  const lines: string[] = []
  const log = createPluginLog(l => lines.push(l)).child({ iface: 'eth0' }).child({ ip: '192.0.2.1' })
  log.info('up')
  log.notice({ ms: 3 }, 'arp sent')
  t.same(lines, ['up iface=eth0 ip=192.0.2.1\n', 'NOTICE: arp sent iface=eth0 ip=192.0.2.1 ms=3\n'])
})
