// Fixtures for plugin host tests: a private temp dir, tiny plugin files written into it, a host
// with a short kill grace, and a request builder.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Test } from 'tap'
import { createPluginHost, type PluginHost, type PluginHostOptions } from '../../../engine/events/plugin-host/index.js'
import type { PluginRunRequest } from '../../../engine/events/types.js'

/** Absolute path of the API source, for plugins that import it by path. */
export const API = new URL('../../../engine/events/plugin-api.ts', import.meta.url).pathname
export const quiet = { error () {}, warn () {}, info () {}, debug () {} }
export const GRACE_MS = 300

export interface Bed {
  dir: string
  host: PluginHost
  /** Writes `import { definePlugin } from <API>` + body as `file`; returns its path. */
  plugin (file: string, body: string): string
  req (path: string, over?: Partial<PluginRunRequest>): PluginRunRequest
}

// Why: every test file gets its own dir and host, torn down (host processes killed) at the end.
export function bed (t: Test, opts: Partial<PluginHostOptions> = {}): Bed {
  const dir = mkdtempSync(join(tmpdir(), 'corral-plugins-'))
  const host = createPluginHost({ log: quiet, killGraceMs: GRACE_MS, ...opts })
  t.teardown(async () => { await host.close(); rmSync(dir, { recursive: true, force: true }) })
  return {
    dir,
    host,
    plugin (file, body) {
      const path = join(dir, file)
      writeFileSync(path, `import { definePlugin } from '${API}'\n${body}\n`)
      return path
    },
    req: (path, over = {}) => ({
      component: 'c1', name: '10.p', path, event: 'monitor', args: [], deadline: Date.now() + 15_000, options: {}, generation: 0, ...over,
    }),
  }
}

// Why: a process that is gone, or a zombie waiting for its reaper, no longer runs anything.
export function alive (pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z'
  } catch {
    return false
  }
}

// Why: kill tests poll until every listed pid is gone, up to a limit, and report what is left.
export async function waitGone (pids: number[], withinMs: number): Promise<number[]> {
  const end = Date.now() + withinMs
  while (Date.now() < end && pids.some(alive)) await new Promise(resolve => setTimeout(resolve, 20))
  return pids.filter(alive)
}

// Why: plugins write the pids they started into a file; tests read them back.
export async function readPids (file: string, count: number, withinMs = 5000): Promise<number[]> {
  const end = Date.now() + withinMs
  for (;;) {
    let pids: number[] = []
    try { pids = readFileSync(file, 'utf8').trim().split('\n').filter(l => l !== '').map(Number) } catch {}
    if (pids.length >= count || Date.now() > end) return pids
    await new Promise(resolve => setTimeout(resolve, 20))
  }
}
