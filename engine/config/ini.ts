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
export function parseIni (text: string, file: string): IniEntry[] {
  const entries: IniEntry[] = []
  let section: string | undefined
  const lines = text.split(/\r?\n/)
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1
    const line = lines[i].trim()
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue
    if (line.startsWith('[')) {
      const m = /^\[\s*([^\]]*?)\s*\]$/.exec(line)
      if (m === null || m[1] === '') {
        throw new CorralError('CORRAL_E_CONFIG_SYNTAX', `bad section header '${line}' (expected [name])`, { place: { file, line: lineNo } })
      }
      section = m[1].toLowerCase().replace(/\s+/g, ' ')
      continue
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
  }
  return entries
}
