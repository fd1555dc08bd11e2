// Bundles the `corral` CLI into dist/cli/ (code-split per command) so a command loads a handful of
// files instead of hundreds of small modules: `corral status` starts about twice as fast.
import { build } from 'esbuild'
import { renameSync, rmSync } from 'node:fs'

// Built beside and swapped in, so a test or bench running `corral` from another checkout user never
// finds dist/cli half-written (two renames: a window of microseconds instead of the whole build).
const next = `dist/cli.next-${process.pid}`
const old = `dist/cli.old-${process.pid}`
rmSync(next, { recursive: true, force: true })
await build({
  entryPoints: ['bin/corral.ts'],
  outdir: next,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  logLevel: 'warning',
  // Native modules find their prebuilt binary relative to their own package: never bundle them.
  external: ['lmdb', 'msgpackr', 'msgpackr-extract'],
  // CommonJS dependencies inside an ES module bundle need a require().
  banner: { js: "import { createRequire as __corralRequire } from 'node:module'; const require = __corralRequire(import.meta.url);" },
})
try { renameSync('dist/cli', old) } catch (err) { if (err.code !== 'ENOENT') throw err }
renameSync(next, 'dist/cli')
rmSync(old, { recursive: true, force: true })
