// CTDB's script options: `<config dir>/script.options`, then `<component dir>/<NN.name>.options`,
// read as NAME=VALUE lines and passed to the script (or plugin) as environment variables.
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { CorralError } from '../errors/index.js'

const LINE_RE = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$/

// Why: options files are shell fragments in CTDB; corral reads the NAME=VALUE subset strictly.
// With `problems`, every bad line is collected there (and skipped) instead of thrown.
export function parseScriptOptions (text: string, file: string, problems?: CorralError[]): Record<string, string> {
  const out: Record<string, string> = {}
  const lines = text.split(/\r?\n/)
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim()
    if (line === '' || line.startsWith('#')) continue
    const fail = (message: string): void => {
      const err = new CorralError('CORRAL_E_SCRIPT_OPTIONS', message, { place: { file, line: i + 1 } })
      if (problems === undefined) throw err
      problems.push(err)
    }
    const m = LINE_RE.exec(line)
    if (m === null) { fail(`expected NAME=VALUE, got '${line}'`); continue }
    let value = m[2].trim()
    const q = value[0]
    if ((q === '"' || q === "'") && value.length >= 2 && value.endsWith(q)) value = value.slice(1, -1)
    else if (q === '"' || q === "'") { fail(`unterminated quote in value of ${m[1]}`); continue }
    out[m[1]] = value
  }
  return out
}

// Why: a missing options file means no options; any other read error names the file.
export async function readOptional (file: string): Promise<Record<string, string>> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {}
    throw new CorralError('CORRAL_E_SCRIPT_OPTIONS', `cannot read: ${(err as Error).message}`, { place: { file }, cause: err })
  }
  return parseScriptOptions(text, file)
}

// Why: per-script options override the global ones, exactly as CTDB's load_script_options.
export async function loadScriptOptions (configDir: string, componentDirectory: string, name: string): Promise<Record<string, string>> {
  return { ...await readOptional(join(configDir, 'script.options')), ...await readOptional(join(componentDirectory, `${name}.options`)) }
}
