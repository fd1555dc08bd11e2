// Where the built-in helpers are: compiled .js next to this module when running from dist/,
// the .ts source run through tsx when running from source (tests, benchmarks from source).
import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const HERE = dirname(fileURLToPath(import.meta.url))

/** The argv that runs a built-in helper: `node` plus either the .js or `--import tsx` and the .ts. */
export interface BuiltinHelper {
  file: string
  args: string[]
}

// Why: one code path spawns helpers whether corral runs compiled or from its TypeScript sources.
export function builtinHelper (name: 'file-helper' | 'etcd-helper'): BuiltinHelper {
  const js = join(HERE, `${name}.js`)
  if (existsSync(js)) return { file: process.execPath, args: [js] }
  const ts = join(HERE, `${name}.ts`)
  if (existsSync(ts)) return { file: process.execPath, args: ['--import', tsxLoader(), ts] }
  throw new Error(`corral: built-in lock helper ${name} not found in ${HERE}`)
}

// `--import tsx` resolves from the cwd; the daemon's cwd may be anywhere, so pass an absolute URL.
function tsxLoader (): string {
  return import.meta.resolve('tsx')
}
