import t from 'tap'
import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

t.test('the committed generated code matches the .proto files (npm run gen:check passes)', async t => {
  const root = fileURLToPath(new URL('../../', import.meta.url))
  const out = execFileSync(process.execPath, ['scripts/gen-check.mjs'], { cwd: root, encoding: 'utf8' })
  t.match(out, /protocol\/gen\/ is up to date/)
})
