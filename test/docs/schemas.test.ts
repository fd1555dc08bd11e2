import t from 'tap'
import { readdirSync, readFileSync } from 'node:fs'
import { check } from './mini-schema.js'

const dir = new URL('../../docs/schemas/', import.meta.url)
const load = (name: string): Record<string, unknown> => JSON.parse(readFileSync(new URL(name, dir), 'utf8')) as Record<string, unknown>

t.test('every schema in docs/schemas is JSON with a title, a description and its own $id', async t => {
  const files = readdirSync(dir).filter(f => f.endsWith('.json'))
  t.ok(files.length >= 8)
  for (const f of files) {
    const s = load(f)
    t.equal(s.$schema, 'https://json-schema.org/draft/2020-12/schema', f)
    t.match(String(s.$id), new RegExp(`/${f.replace('.', '\\.')}$`), f)
    t.type(s.title, 'string', f)
    t.type(s.description, 'string', f)
  }
})

t.test('the checker fails documents that break a schema, naming the path', async t => {
  const plan = load('ip-plan.json')
  t.same(check(plan, { assignments: [{ ip: '198.51.100.1', pnn: 0 }] }), [])
  t.match(check(plan, { assignments: [{ ip: '198.51.100.1', pnn: 'x' }] }), [/\$\.assignments\[0\]\.pnn: expected integer/])
  t.match(check(plan, {}), [/missing required field 'assignments'/])
  t.match(check(plan, { assignments: [{ ip: '198.51.100.1', pnn: 0, extra: 1 }] }), [/unexpected field 'extra'/])
  const decision = load('decision.json')
  t.match(check(decision, { v: 1, kind: 'vote', timeMs: 1, pnn: 0, generation: 1 }), [/oneOf/])
  t.same(check(decision, { v: 1, kind: 'ban', timeMs: 1, pnn: 0, generation: 1, culprit: 2, credits: 6, threshold: 6, seconds: 300, reason: 'x' }), [])
})
