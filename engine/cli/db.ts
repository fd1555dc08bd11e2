// `corral getdbmap`, `attach`, `detach`, `catdb`, `getdbstatus`, `getdbseqnum`, `readkey`,
// `writekey`, `deletekey`, `pfetch`, `pstore`, `pdelete`, `ptrans`, `backupdb`, `restoredb`,
// `wipedb`, `dumpdbbackup`: CTDB's database commands, same words and layouts.
import { readFileSync, writeFileSync } from 'node:fs'
import { resolve } from 'node:path'
import {
  DbAdminRequestSchema, DbAttachRequestSchema, DbDetachRequestSchema, DbFetchRequestSchema, DbMapRequestSchema,
  DbTraverseRequestSchema, DbWriteRequestSchema, type DbInfo,
} from '../../protocol/gen/corral/v1/database_pb.js'
import { CorralError } from '../errors/index.js'
import { escapeBytes, formatDbId, formatRecordFlags } from '../database/index.js'
import { unpackRecords } from '../database/packed.js'
import { readStdin, requestTimeoutMs, type GlobalOptions } from './context.js'
import { printJson, printText } from './output.js'
import { ask, withDaemon } from './request.js'

const flagWords = (d: DbInfo): string => [d.kind === 'persistent' ? 'PERSISTENT' : '', d.kind === 'replicated' ? 'REPLICATED' : '', (d.flags & 0x4) !== 0 ? 'STICKY' : '', (d.flags & 0x2) !== 0 ? 'READONLY' : ''].filter(Boolean).join(' ')
const dbJson = (d: DbInfo): object => ({ id: formatDbId(d.id), name: d.name, kind: d.kind, flags: d.flags, records: Number(d.records), seqnum: Number(d.seqnum) })

// Why: `getdbmap`: every attached database with its id and kind, CTDB's layout.
export async function getDbMap (g: GlobalOptions): Promise<number> {
  const r = await withDaemon(g, async c => await ask(c, g, DbMapRequestSchema, {}))
  if (g.json === true) { printJson({ dbs: r.dbs.map(dbJson) }); return 0 }
  printText([`Number of databases:${r.dbs.length}`, ...r.dbs.map(d => `dbid:${formatDbId(d.id)} name:${d.name}${flagWords(d) === '' ? '' : ` ${flagWords(d)}`}`)].join('\n'))
  return 0
}

// Why: `attach NAME [persistent|replicated]`: on every connected node.
export async function attach (g: GlobalOptions, name: string, kind: string | undefined): Promise<number> {
  if (kind !== undefined && kind !== 'persistent' && kind !== 'replicated') throw new CorralError('CORRAL_E_USAGE', `database kind must be persistent or replicated (default volatile), got '${kind}'`)
  const r = await withDaemon(g, async c => await ask(c, g, DbAttachRequestSchema, { name, kind: kind ?? 'volatile' }))
  if (g.json === true) printJson({ db: dbJson(r.db!) })
  else printText(`dbid:${formatDbId(r.db!.id)} name:${r.db!.name}${flagWords(r.db!) === '' ? '' : ` ${flagWords(r.db!)}`}`)
  return 0
}

// Why: `detach NAME`: volatile and replicated only, as CTDB.
export async function detach (g: GlobalOptions, name: string): Promise<number> {
  await withDaemon(g, async c => await ask(c, g, DbDetachRequestSchema, { name }))
  if (g.json === true) printJson({ detached: name })
  return 0
}

// Why: `catdb DB`: every record of this node's copy, streamed, CTDB's layout.
export async function catdb (g: GlobalOptions, db: string): Promise<number> {
  let n = 0
  const records: object[] = []
  await withDaemon(g, async c => {
    for await (const b of c.stream(DbTraverseRequestSchema, { db }, { timeoutMs: requestTimeoutMs(g) })) {
      const lines: string[] = []
      for (const r of unpackRecords(b.packed, b.count)) {
        n++
        if (g.json === true) records.push({ key: r.key.toString('base64'), rsn: Number(r.header.rsn), dmaster: r.header.dmaster, flags: r.header.flags, data: r.data.toString('base64') })
        else lines.push(`key(${r.key.length}) = "${escapeBytes(r.key)}"`, `dmaster: ${r.header.dmaster}`, `rsn: ${r.header.rsn}`, `flags: ${formatRecordFlags(r.header.flags)}`, `data(${r.data.length}) = "${escapeBytes(r.data)}"`, '')
      }
      if (lines.length > 0) printText(lines.join('\n'))
    }
  })
  if (g.json === true) printJson({ records, count: n })
  else printText(`Dumped ${n} records`)
  return 0
}

async function admin (g: GlobalOptions, op: string, db: string, file = ''): Promise<{ db?: DbInfo, count: bigint }> {
  return await withDaemon(g, async c => await ask(c, g, DbAdminRequestSchema, { op, db, file }, { timeoutMs: Math.max(requestTimeoutMs(g), 120_000) }), 120_000)
}

// Why: `getdbstatus DB`: id, name, kind flags and record count.
export async function getDbStatus (g: GlobalOptions, db: string): Promise<number> {
  const d = (await admin(g, 'status', db)).db!
  if (g.json === true) { printJson({ db: dbJson(d) }); return 0 }
  const yn = (b: boolean): string => b ? 'yes' : 'no'
  printText([`dbid: ${formatDbId(d.id)}`, `name: ${d.name}`, `PERSISTENT: ${yn(d.kind === 'persistent')}`, `REPLICATED: ${yn(d.kind === 'replicated')}`, `STICKY: ${yn((d.flags & 0x4) !== 0)}`, `READONLY: ${yn((d.flags & 0x2) !== 0)}`, 'HEALTH: OK', `RECORDS: ${d.records}`].join('\n'))
  return 0
}

// Why: `getdbseqnum DB`: the sequence number of a persistent or replicated database.
export async function getDbSeqnum (g: GlobalOptions, db: string): Promise<number> {
  const d = (await admin(g, 'seqnum', db)).db!
  if (g.json === true) printJson({ seqnum: Number(d.seqnum) })
  else printText(`0x${d.seqnum.toString(16)}`)
  return 0
}

async function fetchValue (g: GlobalOptions, db: string, key: string): Promise<Buffer | null> {
  const r = await withDaemon(g, async c => await ask(c, g, DbFetchRequestSchema, { db, key: Buffer.from(key) }))
  return r.found ? Buffer.from(r.record!.data) : null
}

async function write (g: GlobalOptions, db: string, writes: Array<{ key: Buffer, data: Buffer, delete: boolean }>): Promise<bigint> {
  const r = await withDaemon(g, async c => await ask(c, g, DbWriteRequestSchema, { db, writes }, { timeoutMs: Math.max(requestTimeoutMs(g), 60_000) }), 60_000)
  return r.seqnum
}

// Why: `readkey DB KEY` (volatile: the record is migrated here first).
export async function readKey (g: GlobalOptions, db: string, key: string): Promise<number> {
  const v = await fetchValue(g, db, key)
  if (g.json === true) printJson({ found: v !== null, data: v?.toString('utf8') ?? null })
  else printText(`Data: size:${v?.length ?? 0} ptr:[${v?.toString('utf8') ?? ''}]`)
  return 0
}

// Why: `writekey DB KEY VALUE` / `pstore DB KEY VALUE`.
export async function writeKey (g: GlobalOptions, db: string, key: string, value: string): Promise<number> {
  const seqnum = await write(g, db, [{ key: Buffer.from(key), data: Buffer.from(value), delete: false }])
  if (g.json === true) printJson({ seqnum: Number(seqnum) })
  return 0
}

// Why: `deletekey DB KEY` / `pdelete DB KEY`.
export async function deleteKey (g: GlobalOptions, db: string, key: string): Promise<number> {
  const seqnum = await write(g, db, [{ key: Buffer.from(key), data: Buffer.alloc(0), delete: true }])
  if (g.json === true) printJson({ seqnum: Number(seqnum) })
  return 0
}

// Why: `pfetch DB KEY [FILE]`: the value as it is, to stdout or a file.
export async function pfetch (g: GlobalOptions, db: string, key: string, file: string | undefined): Promise<number> {
  const v = await fetchValue(g, db, key) ?? Buffer.alloc(0)
  if (file !== undefined) writeFileSync(resolve(file), v)
  else if (g.json === true) printJson({ data: v.toString('utf8') })
  else process.stdout.write(v)
  return 0
}

// Why: `ptrans DB [FILE]`: lines of `"KEY" "VALUE"` (or bare words) in one transaction; an empty value deletes.
export async function ptrans (g: GlobalOptions, db: string, file: string | undefined): Promise<number> {
  const name = file ?? 'stdin'
  const text = file !== undefined ? readFileSync(resolve(file), 'utf8') : await readStdin()
  const writes: Array<{ key: Buffer, data: Buffer, delete: boolean }> = []
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim()
    if (line === '' || line.startsWith('#')) return
    const tokens = [...line.matchAll(/"((?:[^"\\]|\\.)*)"|(\S+)/g)].map(m => m[1] !== undefined ? unescape(m[1]) : m[2])
    if (tokens.length !== 2) throw new CorralError('CORRAL_E_USAGE', `expected "KEY" "VALUE", got ${tokens.length} field(s)`, { place: { file: name, line: i + 1 } })
    writes.push({ key: Buffer.from(tokens[0]), data: Buffer.from(tokens[1]), delete: tokens[1] === '' })
  })
  if (writes.length === 0) throw new CorralError('CORRAL_E_USAGE', `${name}: no records to write`)
  const seqnum = await write(g, db, writes)
  if (g.json === true) printJson({ seqnum: Number(seqnum), records: writes.length })
  return 0
}

const unescape = (s: string): string => s.replace(/\\([0-9A-Fa-f]{2})/g, (_, h: string) => String.fromCharCode(Number.parseInt(h, 16))).replace(/\\(["\\])/g, '$1')

// Why: `backupdb DB FILE` on the node asked (the file is written by the daemon).
export async function backupDb (g: GlobalOptions, db: string, file: string): Promise<number> {
  const r = await admin(g, 'backup', db, resolve(file))
  if (g.json === true) printJson({ db: dbJson(r.db!), records: Number(r.count), file: resolve(file) })
  else printText(`Database backed up to ${resolve(file)}`)
  return 0
}

// Why: `restoredb FILE [DB]` on the node asked.
export async function restoreDb (g: GlobalOptions, file: string, db: string | undefined): Promise<number> {
  const r = await admin(g, 'restore', db ?? '', resolve(file))
  if (g.json === true) printJson({ db: dbJson(r.db!), records: Number(r.count) })
  else printText(`Restored ${r.count} records to ${r.db!.name}`)
  return 0
}

// Why: `wipedb DB`: empty this node's copy (all nodes: run it with -n for each, or use ptrans deletes).
export async function wipeDb (g: GlobalOptions, db: string): Promise<number> {
  const r = await admin(g, 'wipe', db)
  if (g.json === true) printJson({ db: dbJson(r.db!) })
  else printText(`Database ${r.db!.name} wiped`)
  return 0
}

// Why: `dumpdbbackup FILE`: read a backup file, no daemon needed.
export async function dumpDbBackup (g: GlobalOptions, file: string): Promise<number> {
  const { dumpBackupLines } = await import('../database/backup.js')
  const lines: string[] = []
  for await (const l of dumpBackupLines(resolve(file))) lines.push(l)
  printText(lines.join('\n'))
  return 0
}
