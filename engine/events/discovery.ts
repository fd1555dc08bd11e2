// What a component directory holds: entry names, kinds, enabled bits, and CTDB's enable/disable.
import { chmod, lstat, readdir, readlink, stat, symlink, unlink } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { CorralError } from '../errors/index.js'
import type { ScriptInfo } from './types.js'

/** How an entry is run. */
export type EntryRunner = 'exec' | 'tsx' | 'plugin'

/** One file of a component directory that takes part in runs. */
export interface Entry {
  name: string
  file: string
  path: string
  kind: 'script' | 'plugin'
  runner: EntryRunner
  enabled: boolean
  /** Set on a second entry with a name already taken (e.g. 10.x.script and 10.x.sh). */
  duplicateOf: string | null
  /** `<dir>/<NN.name>.options` when the directory holds one, else null. */
  optionsFile: string | null
}

// name = NN.anything (extra dots allowed); suffix decides how it runs.
const ENTRY_RE = /^([0-9]{2}\..+?)\.(plugin\.ts|plugin\.js|plugin\.mjs|script|sh|ts)$/
const NAME_RE = /^[0-9]{2}\..+$/
const COMPONENT_RE = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/

// Why: one parser decides which files count, so runs, listing and enable/disable agree.
export function parseEntryFile (file: string): { name: string, kind: 'script' | 'plugin', runner: EntryRunner } | null {
  const m = ENTRY_RE.exec(file)
  if (m === null) return null
  const suffix = m[2]
  if (suffix.startsWith('plugin.')) return { name: m[1], kind: 'plugin', runner: 'plugin' }
  return { name: m[1], kind: 'script', runner: suffix === 'ts' ? 'tsx' : 'exec' }
}

// Why: a component name becomes a path; refuse anything that could leave the events dir.
export function componentDir (eventsDir: string, component: string): string {
  if (!COMPONENT_RE.test(component) || component === '..' || component === '.') {
    throw new CorralError('CORRAL_E_COMPONENT_NOT_FOUND', `Event dir for ${component} does not exist (invalid component name)`)
  }
  return join(eventsDir, component)
}

async function isExecutable (path: string): Promise<boolean> {
  try {
    const st = await stat(path)
    return st.isFile() && (st.mode & 0o100) !== 0
  } catch {
    return false
  }
}

async function dirEntries (dir: string, component: string, mustExist: boolean): Promise<string[] | null> {
  try {
    const st = await stat(dir)
    if (!st.isDirectory()) throw Object.assign(new Error('not a directory'), { code: 'ENOTDIR' })
    return (await readdir(dir)).sort(byteOrder)
  } catch (err) {
    if (!mustExist) return null
    throw new CorralError('CORRAL_E_COMPONENT_NOT_FOUND', `Event dir for ${component} does not exist`, { cause: err })
  }
}

// A plugin linked in from elsewhere (how `script enable` installs a shipped one) is enabled by the
// link itself, as CTDB's model: plugins are loaded, not executed, so the target's mode does not matter.
async function isLinkedFile (path: string): Promise<boolean> {
  try {
    return (await lstat(path)).isSymbolicLink() && (await stat(path)).isFile()
  } catch {
    return false
  }
}

// CTDB sorts with alphasort (strcmp in the C locale): byte order, not locale order.
function byteOrder (a: string, b: string): number {
  const x = Buffer.from(a)
  const y = Buffer.from(b)
  return Buffer.compare(x, y)
}

// Why: every run re-reads the directory (as CTDB), so a chmod takes effect at the next event.
export async function listEntries (eventsDir: string, component: string): Promise<Entry[]> {
  const dir = componentDir(eventsDir, component)
  const files = await dirEntries(dir, component, true) ?? []
  const seen = new Map<string, string>()
  const out: Entry[] = []
  const names = new Set(files)
  for (const file of files) {
    const parsed = parseEntryFile(file)
    if (parsed === null) continue
    const path = join(dir, file)
    const first = seen.get(parsed.name)
    if (first === undefined) seen.set(parsed.name, file)
    const opts = `${parsed.name}.options`
    const enabled = parsed.kind === 'plugin' && await isLinkedFile(path) ? true : await isExecutable(path)
    out.push({ ...parsed, file, path, enabled, duplicateOf: first ?? null, optionsFile: names.has(opts) ? join(dir, opts) : null })
  }
  return out
}

/** Enable/disable and listing over an events dir plus the shipped data dir. */
export interface ScriptDirectory {
  listScripts (component: string): Promise<ScriptInfo[]>
  setScriptEnabled (component: string, script: string, enable: boolean): Promise<ScriptInfo>
}

function normaliseName (component: string, script: string): string {
  const parsed = parseEntryFile(script)
  const name = parsed?.name ?? script
  if (!NAME_RE.test(name) || name.includes('/')) {
    throw new CorralError('CORRAL_E_SCRIPT_INVALID', `Script ${script} is invalid in ${component}`)
  }
  return name
}

async function linkTarget (path: string): Promise<string | null> {
  try {
    return (await lstat(path)).isSymbolicLink() ? resolve(join(path, '..'), await readlink(path)) : null
  } catch {
    return null
  }
}

async function info (e: Entry): Promise<ScriptInfo> {
  return { name: e.name, kind: e.kind, enabled: e.enabled, path: e.path, linkTarget: await linkTarget(e.path) }
}

// Why: CTDB's model: shipped scripts live in a data dir and are enabled by linking them in.
export function openScriptDirectory (opts: { eventsDir: string, dataDir: string | null }): ScriptDirectory {
  const shipped = async (component: string): Promise<Entry[]> => {
    if (opts.dataDir === null || await dirEntries(join(opts.dataDir, component), component, false) === null) return []
    return await listEntries(opts.dataDir, component)
  }
  return {
    async listScripts (component) {
      const local = await listEntries(opts.eventsDir, component)
      const data = await shipped(component)
      const out: ScriptInfo[] = []
      const matched = new Set<string>()
      for (const d of data) {
        const l = local.find(x => x.file === d.file)
        const target = l === undefined ? null : await linkTarget(l.path)
        if (l !== undefined && target === d.path) {
          matched.add(l.file)
          out.push({ name: d.name, kind: d.kind, enabled: l.enabled, path: l.path, linkTarget: target })
        } else {
          out.push({ name: d.name, kind: d.kind, enabled: false, path: d.path, linkTarget: null })
        }
      }
      for (const l of local) if (!matched.has(l.file)) out.push(await info(l))
      return out
    },
    async setScriptEnabled (component, script, enable) {
      const name = normaliseName(component, script)
      const local = (await listEntries(opts.eventsDir, component)).find(e => e.name === name)
      if (local !== undefined) {
        const target = await linkTarget(local.path)
        if (target !== null) {
          if (!enable) await unlink(local.path)
          return { ...(await info(local)), enabled: enable && local.enabled }
        }
        const mode = (await stat(local.path)).mode & 0o7777
        await chmod(local.path, enable ? mode | 0o111 : mode & ~0o111)
        return { ...(await info(local)), enabled: enable }
      }
      if (!enable) return { name, kind: 'script', enabled: false, path: join(componentDir(opts.eventsDir, component), name), linkTarget: null }
      const data = (await shipped(component)).find(e => e.name === name)
      if (data === undefined) throw new CorralError('CORRAL_E_SCRIPT_NOT_FOUND', `Script ${name} does not exist in ${component}`)
      const path = join(componentDir(opts.eventsDir, component), data.file)
      await symlink(data.path, path)
      return { name, kind: data.kind, enabled: await isExecutable(path), path, linkTarget: data.path }
    },
  }
}
