// Inside the host: import plugin modules once, re-import when the file changes, and let plugins
// anywhere on disk `import { definePlugin } from 'corral/plugin'` (resolved to this copy of corral).
import Module, { register } from 'node:module'
import { stat } from 'node:fs/promises'
import { existsSync } from 'node:fs'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { isPlugin, type Plugin } from '../plugin-api.js'

/** The specifier plugins import the API by (package.json `exports["./plugin"]`). */
export const API_SPECIFIER = 'corral/plugin'
/** The service helpers' specifier (package.json `exports["./services"]`, engine/services). */
export const SERVICES_SPECIFIER = 'corral/services'

const cache = new Map<string, { mtimeMs: number, size: number, plugin: Plugin }>()

/** A module of this copy of corral: `.ts` when running from source, `.js` under dist/. */
function ownUrl (rel: string): URL {
  const js = new URL(`${rel}.js`, import.meta.url)
  return existsSync(fileURLToPath(js)) ? js : new URL(`${rel}.ts`, import.meta.url)
}

// Why: plugins in /etc/corral/events.d have no node_modules; ESM and CommonJS-scoped .ts files both resolve `corral/plugin` here.
export function registerApiResolution (): void {
  const urls: Record<string, string> = { [API_SPECIFIER]: ownUrl('../plugin-api').href, [SERVICES_SPECIFIER]: ownUrl('../../services/index').href }
  // ESM (a plugin under a "type": "module" package): a resolve hook, delegated to tsx for the real file.
  const hook = `const m = ${JSON.stringify(urls)}; export async function resolve (s, c, next) { return next(Object.hasOwn(m, s) ? m[s] : s, c) }`
  register(`data:text/javascript,${encodeURIComponent(hook)}`)
  // CommonJS (tsx compiles a .ts file outside an ESM package to require()): map the request.
  const M = Module as unknown as { _resolveFilename: (request: string, ...rest: unknown[]) => string }
  const original = M._resolveFilename
  const paths = new Map(Object.entries(urls).map(([s, u]) => [s, fileURLToPath(u)]))
  M._resolveFilename = function (this: unknown, request: string, ...rest: unknown[]) {
    return original.call(this, paths.get(request) ?? request, ...rest)
  }
}

/** A load failure: the host turns it into CANNOT_RUN with this message. */
export class PluginLoadError extends Error {
  override name = 'PluginLoadError'
}

// Why: importing once keeps a run at milliseconds; the mtime/size check picks up an edited plugin.
export async function loadPlugin (path: string): Promise<Plugin> {
  let st
  try {
    st = await stat(path)
  } catch (err) {
    throw new PluginLoadError(`cannot load ${path}: ${(err as Error).message}`)
  }
  const hit = cache.get(path)
  if (hit !== undefined && hit.mtimeMs === st.mtimeMs && hit.size === st.size) return hit.plugin
  // A CommonJS-scoped module (a .ts file outside an ESM package) is cached by file name, query or not.
  if (hit !== undefined) delete (Module as unknown as { _cache: Record<string, unknown> })._cache[path]
  let mod: { default?: unknown }
  try {
    // The query busts Node's module cache so an edited file is imported again.
    mod = await import(`${pathToFileURL(path).href}?v=${st.mtimeMs}-${st.size}`) as { default?: unknown }
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err)
    throw new PluginLoadError(`cannot load ${path}: ${msg.split('\n').find(l => l.trim() !== '') ?? msg}`)
  }
  // A CommonJS-compiled module exposes its exports object as `default`.
  const candidate = isPlugin(mod.default) ? mod.default : (mod.default as { default?: unknown } | undefined)?.default
  if (!isPlugin(candidate)) throw new PluginLoadError(`${path} does not export default definePlugin({ name, events }) from '${API_SPECIFIER}'`)
  cache.set(path, { mtimeMs: st.mtimeMs, size: st.size, plugin: candidate })
  return candidate
}
