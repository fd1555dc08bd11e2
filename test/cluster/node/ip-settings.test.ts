import t from 'tap'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadIpSettings, saveIpSettings } from '../../../engine/cluster/node/ip-settings.js'

const dir = mkdtempSync(join(tmpdir(), 'corral-ip-settings-'))
t.teardown(() => { rmSync(dir, { recursive: true, force: true }) })

// Collects process warnings emitted while `fn` runs (they arrive on a later tick).
async function warnings (fn: () => void): Promise<string[]> {
  const seen: string[] = []
  const on = (w: Error): void => { seen.push(w.message) }
  process.on('warning', on)
  try {
    fn()
    await new Promise(resolve => setTimeout(resolve, 20))
  } finally {
    process.off('warning', on)
  }
  return seen
}

t.test('saved settings load back as they were', async t => {
  const file = join(dir, 'ip-settings.json')
  saveIpSettings(file, { restricted: true, hosts: [0, 2] })
  t.same(loadIpSettings(file), { restricted: true, hosts: [0, 2] })
  t.notOk(existsSync(`${file}.tmp`), 'written through a temporary file that is renamed away')
  saveIpSettings(file, { restricted: false, hosts: [] })
  t.same(loadIpSettings(file), { restricted: false, hosts: [] }, 'a later save replaces the earlier one')
  saveIpSettings(file, { restricted: true, hosts: [] })
  t.same(loadIpSettings(file), { restricted: true, hosts: [] }, 'restricted to no node at all is kept as such')
})

t.test('a missing file means every node may host, without a warning', async t => {
  let s
  const w = await warnings(() => { s = loadIpSettings(join(dir, 'nothing-here.json')) })
  t.same(s, { restricted: false, hosts: [] })
  t.same(w, [])
})

t.test('a corrupt file means every node may host, with a warning naming the file, not a crash', async t => {
  const cases: Record<string, string> = {
    'truncated.json': '{"restricted":true,"hosts":[0',
    'empty.json': '',
    'null.json': 'null',
    'wrong-types.json': '{"restricted":"yes","hosts":[0]}',
    'bad-hosts.json': '{"restricted":true,"hosts":[-1,"x"]}',
    'no-hosts.json': '{"restricted":true}',
  }
  for (const [name, text] of Object.entries(cases)) {
    const file = join(dir, name)
    writeFileSync(file, text)
    let s
    const w = await warnings(() => { s = loadIpSettings(file) })
    t.same(s, { restricted: false, hosts: [] }, `${name}: unrestricted`)
    t.equal(w.length, 1, `${name}: one warning`)
    t.match(w[0], file, `${name}: the warning names the file`)
    t.equal(readFileSync(file, 'utf8'), text, `${name}: left as it was`)
  }
})
