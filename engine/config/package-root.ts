// Where corral itself is installed: shipped events.d/, plugins/ and package.json live there.
import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

let cached: string | undefined

// Why: code runs both from source (tests) and from dist/ (the shipped bins); both must find the package.
export function packageRoot (): string {
  if (cached !== undefined) return cached
  let dir = dirname(fileURLToPath(import.meta.url))
  while (!existsSync(join(dir, 'package.json')) || dir.endsWith('/dist')) {
    const up = dirname(dir)
    if (up === dir) throw new Error(`corral: cannot find package.json above ${fileURLToPath(import.meta.url)}`)
    dir = up
  }
  cached = dir
  return dir
}
