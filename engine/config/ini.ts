// A Samba-style INI reader (the ctdb.conf format) that keeps the line of every key,
// so every config error can name the file, the line and the key.

import { CorralError } from '../errors/index.js'

/** One `key = value` line, with where it came from. */
export interface IniEntry {
  section: string
  key: string
  value: string
  line: number
}

// Why: CTDB admins know ctdb.conf; section names are case-insensitive, keys exact,
// `#` and `;` start comment lines, and a key before any section is an error.
// `problems`: collect every bad line there and go on (`corral config validate`) instead of throwing.
export function parseIni (text: string, file: string, problems?: CorralError[]): IniEntry[] {
  const entries: IniEntry[] = []
  let section: string | undefined
  const lines = text.split(/\r?\n/)
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1
    const line = lines[i].trim()
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue
    try {
      section = iniLine(line, lineNo, file, section, entries)
    } catch (err) {
      if (problems === undefined || !(err instanceof CorralError)) throw err
      problems.push(err)
      // A bad section header leaves its keys without a known section: they are skipped, not blamed.
      if (line.startsWith('[')) section = BAD_SECTION
    }
  }
  return entries.filter(e => e.section !== BAD_SECTION)
}

const BAD_SECTION = '\u0000bad'

// One non-comment line: a section header (returns the new section) or a key appended to entries.
function iniLine (line: string, lineNo: number, file: string, section: string | undefined, entries: IniEntry[]): string | undefined {
  if (line.startsWith('[')) {
    const m = /^\[\s*([^\]]*?)\s*\]$/.exec(line)
    if (m === null || m[1] === '') {
      throw new CorralError('CORRAL_E_CONFIG_SYNTAX', `bad section header '${line}' (expected [name])`, { place: { file, line: lineNo } })
    }
    return m[1].toLowerCase().replace(/\s+/g, ' ')
  }
  const eq = line.indexOf('=')
  if (eq <= 0) {
    throw new CorralError('CORRAL_E_CONFIG_SYNTAX', `expected 'key = value', got '${line}'`, { place: { file, line: lineNo } })
  }
  const key = line.slice(0, eq).trim().replace(/\s+/g, ' ')
  const value = line.slice(eq + 1).trim()
  if (section === undefined) {
    throw new CorralError('CORRAL_E_CONFIG_SYNTAX', `key '${key}' appears before any [section]`, { place: { file, line: lineNo, field: key } })
  }
  entries.push({ section, key, value, line: lineNo })
  return section
}
