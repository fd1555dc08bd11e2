// Bundles the `corral` CLI into dist/cli/ (code-split per command) so a command loads a handful of
// files instead of hundreds of small modules: `corral status` starts about twice as fast.
import { build } from 'esbuild'
import { rmSync } from 'node:fs'

rmSync('dist/cli', { recursive: true, force: true })
await build({
  entryPoints: ['bin/corral.ts'],
  outdir: 'dist/cli',
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
