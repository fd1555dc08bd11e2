import t from 'tap'
import { execFileSync } from 'node:child_process'
import { createReadStream, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { createLogger, StreamSink } from '../../engine/log/index.js'

const dir = mkdtempSync(join(tmpdir(), 'corral-back-'))
t.teardown(() => { rmSync(dir, { recursive: true, force: true }) })

/** Watches the event loop: the longest gap between ticks of a 10 ms interval. */
function loopWatch (): { stop: () => number, ticks: () => number } {
  let last = Date.now()
  let worst = 0
  let ticks = 0
  const timer = setInterval(() => {
    const now = Date.now()
    worst = Math.max(worst, now - last)
    last = now
    ticks++
  }, 10)
  return { stop: () => { clearInterval(timer); return worst }, ticks: () => ticks }
}

t.test('a file sink onto a FIFO nobody reads drops and counts instead of blocking, then logs the count', async t => {
  const fifo = join(dir, 'fifo')
  execFileSync('mkfifo', [fifo])
  const log = createLogger({ location: `file:${fifo}`, level: 'INFO', program: 'corrald', bufferBytes: 64 * 1024 })
  const watch = loopWatch()
  const payload = 'x'.repeat(200)
  let slowest = 0
  for (let burst = 0; burst < 20; burst++) {
    const t0 = Date.now()
    for (let i = 0; i < 250; i++) log.info({ burst, i }, payload)
    slowest = Math.max(slowest, Date.now() - t0)
    await sleep(15)
  }
  const worst = watch.stop()
  t.ok(worst < 500, `the event loop kept ticking (longest gap ${worst} ms, ${watch.ticks()} ticks)`)
  t.ok(slowest < 500, `250 log calls returned in ${slowest} ms at most`)
  const dropped = log.droppedCount()
  t.ok(dropped > 4000, `${dropped} of 5000 messages were dropped while nobody read`)

  // Someone reads at last: the buffer drains and the logger says how many it lost.
  let text = ''
  const reader = createReadStream(fifo, { encoding: 'utf8' })
  reader.on('data', chunk => { text += String(chunk) })
  const ended = new Promise<void>(resolve => { reader.on('close', () => { resolve() }) })
  const end = Date.now() + 5000
  while (!text.includes('dropped') && Date.now() < end) await sleep(10)
  log.notice('after recovery')
  await log.flushAndClose()
  await ended
  const lines = text.trim().split('\n').map(l => JSON.parse(l) as { level: number, msg: string, dropped?: number, sink?: string, burst?: number })
  const warning = lines.filter(l => l.msg.startsWith('dropped'))
  t.equal(warning.length, 1, 'one WARNING about the drops')
  t.equal(warning[0]?.msg, `dropped ${dropped} log messages (sink file:${fifo} was behind)`)
  t.match(warning[0], { level: 40, dropped, sink: `file:${fifo}` })
  t.equal(lines.filter(l => l.burst !== undefined).length + dropped, 5000, 'every message was either written or counted')
  t.equal(lines.at(-1)?.msg, 'after recovery', 'logging goes on normally')
})

t.test('a tiny buffer on a regular file drops under a flood and reports once it has caught up', async t => {
  const file = join(dir, 'flood.log')
  const sink = new StreamSink(`file:${file}`, { path: file }, { maxBytes: 16 * 1024 })
  const watch = loopWatch()
  const line = JSON.stringify({ level: 30, msg: 'y'.repeat(1000) }) + '\n'
  const t0 = Date.now()
  for (let i = 0; i < 20_000; i++) sink.write(line)
  const writeMs = Date.now() - t0
  await sleep(200)
  const worst = watch.stop()
  t.ok(sink.dropped() > 19_000, `dropped ${sink.dropped()} of 20000`)
  t.ok(writeMs < 1000, `20,000 writes returned in ${writeMs} ms`)
  t.ok(worst < 500, `the event loop kept ticking (longest gap ${worst} ms)`)
  await sink.close()
  const lines = readFileSync(file, 'utf8').trim().split('\n').map(l => JSON.parse(l) as { msg: string })
  t.equal(lines.filter(l => l.msg.startsWith('dropped')).length, 1)
  t.equal(lines.find(l => l.msg.startsWith('dropped'))?.msg, `dropped ${sink.dropped()} log messages (sink file:${file} was behind)`)
  t.equal(lines.length - 1 + sink.dropped(), 20_000, 'every message was either written or counted')
})
