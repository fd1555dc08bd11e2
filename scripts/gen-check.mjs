#!/usr/bin/env node
// `npm run gen:check`: fails when protocol/gen/ differs from what `buf generate` makes now.
// Regenerates into a temp dir with the same local plugin (no network) and byte-compares.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = resolve(fileURLToPath(new URL('..', import.meta.url)))
const committed = join(root, 'protocol', 'gen')

// Why: a flat list of relative file paths lets both trees be compared as sets.
function listFiles (dir) {
  let out = []
  let entries
  try { entries = readdirSync(dir) } catch { return out }
  for (const name of entries) {
    const p = join(dir, name)
    if (statSync(p).isDirectory()) out = out.concat(listFiles(p).map(f => join(name, f)))
    else out.push(name)
  }
  return out.sort()
}

const tmp = mkdtempSync(join(tmpdir(), 'corral-gen-check-'))
try {
  // Same template as buf.gen.yaml, output redirected to the temp dir.
  const template = {
    version: 'v2',
    inputs: [{ directory: 'protocol' }],
    plugins: [{
      local: join(root, 'node_modules', '.bin', 'protoc-gen-es'),
      out: tmp,
      opt: ['target=ts', 'import_extension=js'],
    }],
  }
  const templatePath = join(tmp, '..', `${tmp.split('/').pop()}.gen.json`)
  writeFileSync(templatePath, JSON.stringify(template))
  try {
    execFileSync(join(root, 'node_modules', '.bin', 'buf'), ['generate', '--template', templatePath], { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] })
  } finally {
    rmSync(templatePath, { force: true })
  }

  const fresh = listFiles(tmp)
  const old = listFiles(committed)
  const stale = []
  for (const f of new Set([...fresh, ...old])) {
    const a = fresh.includes(f) ? readFileSync(join(tmp, f)) : null
    const b = old.includes(f) ? readFileSync(join(committed, f)) : null
    if (a === null) stale.push(`${relative(root, join(committed, f))} (no longer generated)`)
    else if (b === null) stale.push(`${relative(root, join(committed, f))} (missing)`)
    else if (!a.equals(b)) stale.push(`${relative(root, join(committed, f))} (differs)`)
  }
  if (stale.length > 0) {
    process.stderr.write(`protocol/gen/ is out of date; run npm run gen\n${stale.map(s => `  ${s}\n`).join('')}`)
    process.exitCode = 1
  } else {
    process.stdout.write(`protocol/gen/ is up to date (${fresh.length} files)\n`)
  }
} finally {
  rmSync(tmp, { recursive: true, force: true })
}
