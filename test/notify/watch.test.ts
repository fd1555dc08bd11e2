import t from 'tap'
import { spawn, type ChildProcess } from 'node:child_process'
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { healthyFrom, startCluster, type Cluster } from '../../engine/cli/local-harness.js'
import { CLI, corral } from '../cli/fixtures/daemon.js'

// A 2-node loopback cluster with a notification script; `corral watch --json` follows the leader.
const dir = mkdtempSync(join(tmpdir(), 'corral-watch-'))
const notifyOut = join(dir, 'notify.out')
const script = join(dir, 'notify.sh')
writeFileSync(script, `#!/bin/sh\necho "$PPID $1" >> ${notifyOut}\n`)
chmodSync(script, 0o755)
writeFileSync(join(dir, 'extra.conf'), `[event]\nnotification script = ${script}\n`)
let c: Cluster
const watchers: ChildProcess[] = []
t.before(async () => { c = await startCluster(join(dir, 'c'), 2, 4414, undefined, join(dir, 'extra.conf')) })
t.teardown(() => { for (const w of watchers) w.kill('SIGINT'); c?.stop(); rmSync(dir, { recursive: true, force: true }) })

interface Line { seq: number, time_ms: number, type: string, gap?: boolean, fields: Record<string, unknown> }
const cli = (pnn: number, ...args: string[]): ReturnType<typeof corral> => corral(['--socket', c.nodes[pnn].socket, ...args])

// `corral watch` as an admin runs it, its JSON lines collected as they come.
function watch (pnn: number, ...args: string[]): { lines: Line[], child: ChildProcess, exited: Promise<number | null> } {
  const child = spawn(process.execPath, [CLI, '--socket', c.nodes[pnn].socket, '--json', 'watch', ...args], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, NODE_OPTIONS: '' } })
  watchers.push(child)
  const lines: Line[] = []
  let buf = ''
  child.stdout!.on('data', (d: Buffer) => {
    buf += d.toString('utf8')
    const parts = buf.split('\n')
    buf = parts.pop()!
    for (const p of parts) lines.push(JSON.parse(p) as Line)
  })
  return { lines, child, exited: new Promise(resolve => child.once('exit', resolve)) }
}

let leader = 0
let other = 1
let lastSeen = 0

t.test('watch sees a node disabled and enabled and the takeover runs, in order', async t => {
  const s = await c.waitFor('a healthy cluster', async () => await healthyFrom(c, 0, [0, 1]), 30_000)
  leader = s.leader
  other = 1 - leader
  // Let the start-up takeover runs settle before following.
  await c.waitFor('addresses hosted', async () => (JSON.parse(cli(leader, '--json', 'ip', 'all').stdout) as { ips: Array<{ pnn: number }> }).ips.every(x => x.pnn >= 0))
  const w = watch(leader)
  await new Promise(resolve => setTimeout(resolve, 500))
  t.equal(cli(other, 'disable').code, 0)
  await c.waitFor('a takeover run after the disable', async () => w.lines.some(l => l.type === 'takeover:done' && w.lines.some(f => f.type === 'node:flags' && f.seq < l.seq)))
  t.equal(cli(other, 'enable').code, 0)
  await c.waitFor('flags back to 0 and another takeover run', async () => {
    const en = w.lines.find(l => l.type === 'node:flags' && l.fields.new === 0 && l.fields.pnn === other)
    return en !== undefined && w.lines.some(l => l.type === 'takeover:done' && l.seq > en.seq)
  })
  const seqs = w.lines.map(l => l.seq)
  t.ok(seqs.every((x, i) => i === 0 || x === seqs[i - 1] + 1), `sequence numbers consecutive: ${seqs.join(',')}`)
  const flags = w.lines.filter(l => l.type === 'node:flags' && l.fields.pnn === other).map(l => [l.fields.old, l.fields.new])
  t.same(flags, [[0, 4], [4, 0]], 'DISABLED set then cleared, with old and new flags')
  const types = w.lines.map(l => l.type)
  const disabledAt = w.lines.findIndex(l => l.type === 'node:flags' && l.fields.new === 4)
  const enabledAt = w.lines.findIndex(l => l.type === 'node:flags' && l.fields.new === 0)
  const runs = w.lines.filter(l => l.type === 'takeover:done')
  t.ok(types.indexOf('takeover:done', disabledAt) > disabledAt && types.indexOf('takeover:done', disabledAt) < enabledAt, 'a takeover run between disable and enable')
  const moved = runs.flatMap(r => r.fields.moved as Array<{ from: number, to: number }>)
  t.ok(moved.some(m => m.from === other && m.to === leader), 'addresses moved off the disabled node')
  t.ok(moved.some(m => m.from === leader && m.to === other), 'and back after enable')
  t.ok(w.lines.some(l => l.type === 'ip:taken' && l.seq > disabledAt), 'the leader took addresses')
  lastSeen = w.lines[w.lines.length - 1].seq
  w.child.kill('SIGINT')
  t.equal(await w.exited, 0, 'Ctrl-C ends watch with status 0')
})

t.test('watch --since resumes after the last entry seen, and --since 0 replays from 1', async t => {
  t.equal(cli(other, 'disable').code, 0)
  const w = watch(leader, '--since', String(lastSeen))
  await c.waitFor('the new disable', async () => w.lines.some(l => l.type === 'node:flags' && l.fields.new === 4))
  t.equal(w.lines[0].seq, lastSeen + 1, 'first line is the one after --since')
  w.child.kill('SIGINT')
  await w.exited
  const all = watch(leader, '--since', '0')
  await c.waitFor('a full replay', async () => all.lines.length >= lastSeen + 1)
  t.equal(all.lines[0].seq, 1)
  t.same(all.lines[0].fields, { state: 'init' })
  all.child.kill('SIGINT')
  await all.exited
  t.equal(cli(other, 'enable').code, 0)
})


t.test('text output: one line per notification', async t => {
  const child = spawn(process.execPath, [CLI, '--socket', c.nodes[leader].socket, 'watch', '--since', '0'], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, NODE_OPTIONS: '' } })
  watchers.push(child)
  let out = ''
  child.stdout!.on('data', (d: Buffer) => { out += d.toString('utf8') })
  // The replay may come in several writes: wait for the disable of the first test, however far down.
  const disabled = /\n\d+ \S+ node:flags pnn=\d old=0 new=4\n/
  await c.waitFor('the replayed disable line', async () => disabled.test(out), 20_000).catch(() => undefined)
  child.kill('SIGINT')
  t.match(out.split('\n')[0], /^1 \d{4}-\d\d-\d\dT[\d:.]+Z daemon:state state=init$/)
  t.match(out, disabled)
})

t.test('the notification script ran with CTDB\'s states on both nodes', async t => {
  cli(other, 'notify', 'unhealthy', 'test')
  await c.waitFor('unhealthy', async () => readFileSync(notifyOut, 'utf8').includes(`${c.pid(other)} unhealthy`))
  cli(other, 'notify', 'healthy')
  await c.waitFor('healthy again', async () => readFileSync(notifyOut, 'utf8').trim().endsWith(`${c.pid(other)} healthy`), 30_000)
  const lines = readFileSync(notifyOut, 'utf8').trim().split('\n')
  for (const pnn of [0, 1]) {
    const states = lines.filter(l => l.startsWith(`${c.pid(pnn)} `)).map(l => l.split(' ')[1])
    t.same(states.slice(0, 4), ['init', 'setup', 'startup', 'healthy'], `node ${pnn}: init, setup, startup, then healthy`)
    if (pnn === other) t.same(states.slice(4), ['unhealthy', 'healthy'], 'then unhealthy and healthy again')
  }
})
