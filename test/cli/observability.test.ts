import t from 'tap'
import { spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { healthyFrom, startCluster, type Cluster } from '../../engine/cli/local-harness.js'
import { packageRoot } from '../../engine/config/package-root.js'
import { check } from '../docs/mini-schema.js'

// A 2-node local cluster on 127.0.0.1-2: decision records, statistics, config validate --cluster,
// ip plan --replay and every --json document checked against docs/schemas.
const PORT = 4451
const dir = mkdtempSync(join(tmpdir(), 'corral-observability-'))
const cli = join(packageRoot(), 'dist', 'cli', 'corral.js')
let c: Cluster
t.before(async () => { c = await startCluster(join(dir, 'cluster'), 2, PORT) })
t.teardown(() => { c?.stop(); rmSync(dir, { recursive: true, force: true }) })

const corral = (pnn: number, args: string[], input?: string): { code: number, stdout: string, stderr: string } => {
  const r = spawnSync(process.execPath, [cli, '--config-dir', c.nodes[pnn].configDir, '--socket', c.nodes[pnn].socket, ...args], { encoding: 'utf8', input, timeout: 30_000, env: { ...process.env, NODE_OPTIONS: '' } })
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr }
}
const schema = (name: string): Record<string, unknown> => JSON.parse(readFileSync(join(packageRoot(), 'docs', 'schemas', name), 'utf8')) as Record<string, unknown>
const jsonOf = (pnn: number, args: string[]): unknown => {
  const r = corral(pnn, ['--json', ...args])
  if (r.code !== 0) throw new Error(`corral ${args.join(' ')}: exit ${r.code}: ${r.stderr}${r.stdout}`)
  return JSON.parse(r.stdout)
}
const decisionsOf = (pnn: number): string => join(c.nodes[pnn].dir, 'state', 'decisions.jsonl')

let leader = -1
t.test('the leader records its election, recovery and takeover runs, each valid against decision.json', async t => {
  const s = await c.waitFor('a healthy cluster', async () => await healthyFrom(c, 0, [0, 1]), 30_000)
  leader = s.leader
  // Addresses are placed once both nodes are healthy: wait for a takeover record that assigned them all.
  const lines = await c.waitFor('a takeover record placing every address', async () => {
    const l = readFileSync(decisionsOf(leader), 'utf8').trim().split('\n').map(x => JSON.parse(x) as Record<string, unknown>)
    return l.some(r => r.kind === 'takeover' && (r.outputs as { assignments: Array<{ pnn: number }> } | null)?.assignments.every(a => a.pnn >= 0) === true) ? l : null
  }, 30_000)
  const kinds = new Set(lines.map(r => r.kind))
  t.ok(kinds.has('election') && kinds.has('recovery') && kinds.has('takeover'), [...kinds].join(','))
  const election = lines.find(r => r.kind === 'election')!
  t.equal(election.winner, leader)
  t.equal(election.reason, 'took the cluster lock')
  // The first recovery may have run before the other node joined: the last one has both.
  const recovery = lines.filter(r => r.kind === 'recovery').at(-1)!
  t.same(recovery.nodes, [0, 1])
  t.equal(recovery.outcome, 'ok')
  t.not(recovery.oldGeneration, recovery.newGeneration)
  const d = schema('decision.json')
  for (const r of lines) t.same(check(d, r), [], `${String(r.kind)} record matches the schema`)
})

t.test('ip plan --replay reproduces the recorded plans, and names the address of a tampered one', async t => {
  const ok = corral(leader, ['ip', 'plan', '--replay', decisionsOf(leader)])
  t.equal(ok.code, 0, ok.stderr)
  t.match(ok.stdout, /: reproduced\n/)
  t.notMatch(ok.stdout, /DIFFERS/)
  const doc = jsonOf(leader, ['ip', 'plan', '--replay', decisionsOf(leader)]) as { reproduced: boolean }
  t.equal(doc.reproduced, true)
  t.same(check(schema('ip-plan-replay.json'), doc), [])
  // Change the recorded owner of one address in the last full plan: the replay must catch it.
  const recs = readFileSync(decisionsOf(leader), 'utf8').trim().split('\n').map(x => JSON.parse(x) as { kind: string, outputs: { assignments: Array<{ ip: string, pnn: number }> } | null })
  const last = recs.filter(r => r.kind === 'takeover' && r.outputs !== null && r.outputs.assignments.every(a => a.pnn >= 0)).at(-1)!
  const victim = last.outputs!.assignments[0]
  victim.pnn = victim.pnn === 0 ? 1 : 0
  const bad = join(dir, 'tampered.json')
  writeFileSync(bad, JSON.stringify(last, null, 2))
  const r = corral(leader, ['ip', 'plan', '--replay', bad])
  t.equal(r.code, 1)
  t.match(r.stderr, new RegExp(`tampered\\.json:1: ${victim.ip.replace(/\./g, '\\.')} recorded on ${victim.pnn}, replayed on ${1 - victim.pnn}`))
  const garbage = join(dir, 'garbage.jsonl')
  writeFileSync(garbage, `${JSON.stringify(last)}\n{"v":1,"kind":"takeover"\n`)
  const g = corral(leader, ['ip', 'plan', '--replay', garbage])
  t.equal(g.code, 65)
  t.match(g.stderr, /garbage\.jsonl:2: not JSON/)
})

t.test('statistics counts requests, recoveries, takeover runs and event runs; reset zeroes them', async t => {
  t.equal(corral(leader, ['status']).code, 0)
  const s = jsonOf(leader, ['statistics']) as { pnn: number, requests: Record<string, number>, recoveries: { count: number, minMs: number, maxMs: number }, recoveriesJoined: number, takeoverRuns: { count: number }, eventRuns: Record<string, number>, elections: number, sinceMs: number }
  t.same(check(schema('statistics.json'), s), [])
  t.equal(s.pnn, leader)
  t.ok((s.requests.StatusRequest ?? 0) > 0, 'status requests counted')
  t.ok(s.recoveries.count >= 1 && s.recoveries.minMs <= s.recoveries.maxMs, 'the leader led a recovery')
  t.ok(s.recoveriesJoined >= 1)
  t.ok(s.takeoverRuns.count >= 1)
  t.ok((s.eventRuns['legacy/startup/OK'] ?? 0) === 1)
  t.ok(s.elections >= 1)
  const text = corral(leader, ['statistics'])
  t.match(text.stdout, /^Statistics of node \d+ since /)
  t.match(text.stdout, /recoveries\s+\d+\s+\(min [\d.]+ \/ avg [\d.]+ \/ max [\d.]+ ms\)/)
  t.equal(corral(leader, ['statistics', 'reset']).code, 0)
  const after = jsonOf(leader, ['statistics']) as typeof s
  t.same(Object.keys(after.requests), ['StatisticsRequest'], 'only the reset and this read since the reset')
  t.equal(after.recoveries.count, 0)
  t.ok(after.sinceMs > s.sinceMs)
})

t.test('config validate --cluster finds no drift, then names a changed tunable and port', async t => {
  const clean = corral(0, ['config', 'validate', '--cluster'])
  t.equal(clean.code, 0, clean.stdout + clean.stderr)
  t.match(clean.stdout, /no drift between nodes 0,1/)
  t.equal(corral(0, ['-n', '1', 'setvar', 'MonitorInterval', '21']).code, 0)
  const conf = join(c.nodes[1].configDir, 'corral.conf')
  writeFileSync(conf, readFileSync(conf, 'utf8').replace(`port = ${PORT}`, 'port = 4459'))
  const r = corral(0, ['config', 'validate', '--cluster'])
  t.equal(r.code, 78)
  t.match(r.stdout, /DRIFT: tunable MonitorInterval differs: 15 on node 0; 21 on node 1/)
  t.match(r.stdout, /DRIFT: setting \[cluster\] port differs: 4451 on node 0; 4459 on node 1/)
  const doc = JSON.parse(corral(0, ['--json', 'config', 'validate', '--cluster']).stdout) as { ok: boolean, cluster: { drift: unknown[] } }
  t.equal(doc.ok, false)
  t.equal(doc.cluster.drift.length, 2)
  t.same(check(schema('config-validate.json'), doc), [])
  writeFileSync(conf, readFileSync(conf, 'utf8').replace('port = 4459', `port = ${PORT}`))
})

t.test('status, ip, ip plan --live and watch --json match their schemas', async t => {
  t.same(check(schema('status.json'), jsonOf(0, ['status'])), [])
  t.same(check(schema('ip.json'), jsonOf(0, ['ip', 'all', '-v'])), [])
  t.same(check(schema('ip-plan.json'), jsonOf(0, ['ip', 'plan', '--live'])), [])
  t.same(check(schema('ip-plan.json'), jsonOf(0, ['ip', 'plan'])), [], 'offline plan of empty stdin')
  // watch follows forever: read the replayed lines, then stop it (by its pid).
  const w = spawn(process.execPath, [cli, '--socket', c.nodes[0].socket, '--json', 'watch', '--since', '0'], { env: { ...process.env, NODE_OPTIONS: '' } })
  let out = ''
  w.stdout.on('data', (b: Buffer) => { out += b.toString() })
  await c.waitFor('watch lines', async () => out.split('\n').length > 3, 15_000).finally(() => { w.kill('SIGTERM') })
  const lines = out.split('\n').filter(l => l.trim() !== '').slice(0, -1)
  t.ok(lines.length >= 2)
  for (const l of lines) t.same(check(schema('watch.json'), JSON.parse(l)), [])
})
