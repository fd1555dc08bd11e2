// Database kinds, flag bits and names, and the catalogue entry format: which databases are
// attached, kept in the `catalogue` sub-db (key = the name's UTF-8 bytes, value = UTF-8 JSON) so
// persistent databases are known again after a restart and a read-only reader can map names to ids.
import { CorralError } from '../errors/index.js'
import { dbIdOf, formatDbId } from './dbid.js'

/** Volatile: node-local copies, emptied at start. Persistent: full copy everywhere, kept. Replicated: full copy, emptied at start. */
export type DbKind = 'volatile' | 'persistent' | 'replicated'

// CTDB's database flag bits (CTDB_DB_FLAGS_*).
export const DB_FLAG_PERSISTENT = 0x01
export const DB_FLAG_READONLY = 0x02
export const DB_FLAG_STICKY = 0x04
export const DB_FLAG_REPLICATED = 0x08

/** One attached database. `flags` holds the kind bit plus READONLY/STICKY once set. */
export interface DbInfo {
  readonly id: number
  readonly name: string
  readonly kind: DbKind
  readonly flags: number
}

export const DB_KINDS: readonly DbKind[] = ['volatile', 'persistent', 'replicated']

/** Longest database name, in UTF-8 bytes (a file name component, as CTDB's TDB names). */
export const MAX_DB_NAME_BYTES = 255

/** Version of the catalogue layout, stored under the key `\0version`. */
export const CATALOGUE_VERSION = 1
/** Catalogue key of the layout version; names cannot contain NUL, so it never clashes. */
export const CATALOGUE_VERSION_KEY = Buffer.from('\0version')
/** Catalogue key set (to the generation, u32 LE) while the node is frozen for a recovery: local
 * clients writing records themselves check it inside their write transaction. */
export const FROZEN_KEY = Buffer.from('\0frozen')

// Why: the kind decides the flag bits CTDB reports in getdbmap.
export function kindFlags (kind: DbKind): number {
  if (kind === 'persistent') return DB_FLAG_PERSISTENT
  if (kind === 'replicated') return DB_FLAG_REPLICATED
  return 0
}

// Why: names become LMDB keys, file names of backups and CLI arguments; reject what breaks those.
export function checkDbName (name: unknown): string {
  if (typeof name !== 'string' || name === '') throw new CorralError('CORRAL_E_USAGE', 'database name must not be empty')
  if (name.includes('/')) throw new CorralError('CORRAL_E_USAGE', `database name ${JSON.stringify(name)} must not contain '/'`)
  if (name.includes('\0')) throw new CorralError('CORRAL_E_USAGE', `database name ${JSON.stringify(name)} must not contain NUL`)
  const bytes = Buffer.byteLength(name, 'utf8')
  if (bytes > MAX_DB_NAME_BYTES) {
    throw new CorralError('CORRAL_E_USAGE', `database name of ${bytes} bytes is longer than the limit of ${MAX_DB_NAME_BYTES} bytes`)
  }
  return name
}

// Why: kinds arrive from the CLI and the wire as strings; one precise message for a bad one.
export function checkDbKind (kind: unknown): DbKind {
  if (typeof kind === 'string' && (DB_KINDS as readonly string[]).includes(kind)) return kind as DbKind
  throw new CorralError('CORRAL_E_USAGE', `database kind must be one of ${DB_KINDS.join(', ')}, got ${JSON.stringify(kind)}`)
}

// Why: the catalogue value is plain JSON so tools outside corral can read it.
export function encodeEntry (info: DbInfo): Buffer {
  return Buffer.from(JSON.stringify({ id: info.id, kind: info.kind, flags: info.flags }), 'utf8')
}

// Why: a damaged catalogue must stop the store opening with a message that says where.
export function decodeEntry (dir: string, key: Buffer, value: Buffer): DbInfo {
  const name = key.toString('utf8')
  let parsed: unknown
  try { parsed = JSON.parse(value.toString('utf8')) } catch (cause) {
    throw new CorralError('CORRAL_E_INTERNAL', `database catalogue in ${dir}: entry ${JSON.stringify(name)} is not JSON`, { cause })
  }
  const e = parsed as { id?: unknown, kind?: unknown, flags?: unknown }
  const kind = DB_KINDS.find(k => k === e.kind)
  if (kind === undefined || typeof e.flags !== 'number' || e.id !== dbIdOf(name)) {
    throw new CorralError('CORRAL_E_INTERNAL', `database catalogue in ${dir}: entry ${JSON.stringify(name)} is malformed (id ${typeof e.id === 'number' ? formatDbId(e.id) : '?'})`)
  }
  return Object.freeze({ id: e.id, name, kind, flags: e.flags })
}
