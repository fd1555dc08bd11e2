import t from 'tap'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DecisionLog, parseDecisions, type Decision } from '../../engine/decisions/index.js'

const dir = mkdtempSync(join(tmpdir(), 'corral-decisions-'))
t.teardown(() => { rmSync(dir, { recursive: true, force: true }) })

const logOf = (file: string, maxBytes?: number): { d: DecisionLog, lines: string[] } => {
  const lines: string[] = []
  const d = new DecisionLog({ file, maxBytes, context: () => ({ pnn: 2, generation: 77 }), log: { notice: (_o, m) => { lines.push(m) }, warn: (_o, m) => { lines.push(`WARN ${m}`) } } })
  return { d, lines }
}

t.test('each decision is one JSON line with the header first, and the normal log line when given', async t => {
  const file = join(dir, 'one.jsonl')
  const { d, lines } = logOf(file)
  d.record({ kind: 'election', winner: 2, previous: null, candidates: [{ pnn: 0 }, { pnn: 2 }], reason: 'took the cluster lock' }, 'node 2 is leader')
  d.record({ kind: 'ban', culprit: 1, credits: 6, threshold: 6, seconds: 300, reason: 'made recoveries or takeover runs fail' })
  const text = readFileSync(file, 'utf8')
  const raw = text.trimEnd().split('\n')
  t.equal(raw.length, 2)
  t.match(raw[0], /^\{"v":1,"kind":"election","timeMs":\d+,"pnn":2,"generation":77,/)
  const back = parseDecisions(text, file).map(r => r.record)
  t.same(back.map(r => r.kind), ['election', 'ban'])
  t.equal((back[1] as Extract<Decision, { kind: 'ban' }>).culprit, 1)
  t.same(lines, ['node 2 is leader'], 'only the record given a message logs a line')
  t.same(d.counts, { election: 1, recovery: 0, takeover: 0, ban: 1 })
})

t.test('the file rotates to .1 at the size bound, keeping one old file', async t => {
  const file = join(dir, 'rot.jsonl')
  const { d } = logOf(file, 600)
  for (let i = 0; i < 20; i++) d.record({ kind: 'recovery', reason: `r${i}`, oldGeneration: 1, newGeneration: 2 + i, nodes: [0, 1], databases: { count: 0, records: 0 }, outcome: 'ok', ms: 3 })
  t.ok(existsSync(`${file}.1`), 'rotated once the bound was reached')
  t.ok(readFileSync(file).length <= 600, 'the live file stays under the bound')
  const kept = [...parseDecisions(readFileSync(`${file}.1`, 'utf8'), `${file}.1`), ...parseDecisions(readFileSync(file, 'utf8'), file)]
  t.equal(kept.at(-1)?.record.kind, 'recovery')
  t.match((kept.at(-1)?.record as { reason: string }).reason, 'r19', 'the newest record is in the live file')
})

t.test('an unwritable file is reported once and the leader goes on deciding', async t => {
  const { d, lines } = logOf(join(dir, 'no-such-dir', 'x.jsonl'))
  d.record({ kind: 'ban', culprit: 1, credits: 2, threshold: 2, seconds: 1, reason: 'x' })
  d.record({ kind: 'ban', culprit: 1, credits: 2, threshold: 2, seconds: 1, reason: 'x' })
  t.equal(lines.filter(l => l.startsWith('WARN')).length, 1)
  t.equal(d.counts.ban, 2)
})

t.test('bad records are named by file, line and field', async t => {
  t.throws(() => parseDecisions('{"v":1,"kind":"ban","timeMs":1,"pnn":0,"generation":2}\nnot json\n', 'd.jsonl'), { code: 'CORRAL_E_DECISION_RECORD', message: /^d\.jsonl:2: not JSON/ })
  t.throws(() => parseDecisions('\n{"v":1,"kind":"vote","timeMs":1,"pnn":0,"generation":2}\n', 'd.jsonl'), { message: /^d\.jsonl:2 \(kind\): expected one of election, recovery, takeover, ban/ })
  t.throws(() => parseDecisions('{"v":2,"kind":"ban","timeMs":1,"pnn":0,"generation":2}', 'd.jsonl'), { message: /d\.jsonl:1 \(v\): unknown record version 2/ })
  const takeover = { v: 1, kind: 'takeover', timeMs: 1, pnn: 0, generation: 2, reason: 'x', outcome: 'ok', ms: 1, trace: [], outputs: { assignments: [] }, inputs: { nodeFlags: [0, 0], algorithm: 'lcp2', noIPFailback: false, noIPTakeover: false, forceRebalance: [], allowed: null, ips: [{ ip: '10.0.0.300', owner: 0, available: [0] }] } }
  t.throws(() => parseDecisions(JSON.stringify(takeover), 'd.jsonl'), { message: /d\.jsonl:1 \(inputs\.ips\[0\]\.ip\): not an IPv4 or IPv6 address: "10\.0\.0\.300"/ })
  t.throws(() => parseDecisions('', 'empty.jsonl'), { message: /empty\.jsonl: no decision records/ })
})

t.test('one pretty-printed record is read as a single record', async t => {
  const rec = { v: 1, kind: 'ban', timeMs: 1, pnn: 0, generation: 2, culprit: 1, credits: 4, threshold: 4, seconds: 30, reason: 'x' }
  const r = parseDecisions(`\n${JSON.stringify(rec, null, 2)}\n`, 'one.json')
  t.equal(r.length, 1)
  t.equal(r[0].line, 2)
})
