// Backup files of one database (corral's own format, all integers little-endian):
//
//   offset 0   magic "CORRALDB" (8 bytes)      offset 24  seqnum u64
//          8   version u32 (= 1)                      32  created, ms since the epoch, u64
//         12   kind u8 (0 volatile, 1 persistent,     40  name length u16, then the name (UTF-8)
//              2 replicated), 3 bytes zero
//         16   database id u32
//         20   database flags u32
//
// then one entry per record: key length u32 (1..MAX_KEY_BYTES), data length u32 (..MAX_VALUE_BYTES),
// the 24-byte CTDB header, the key, the data; and a trailer: u32 0xffffffff, record count u64.
// The file is written to FILE.tmp, fsynced and renamed, so FILE is always whole or absent.
import { open, rename, rm, type FileHandle } from 'node:fs/promises'
import { dirname } from 'node:path'
import { DB_TRAVERSE_BATCH_RECORDS } from '../config/defaults.js'
import { CorralError } from '../errors/index.js'
import { DB_KINDS, MAX_DB_NAME_BYTES, type DbInfo, type DbKind } from './catalogue.js'
import { dbIdOf, formatDbId } from './dbid.js'
import { MAX_KEY_BYTES, MAX_VALUE_BYTES } from './limits.js'
import { formatRecordFlags, HEADER_BYTES, readHeader, writeHeader } from './record.js'
import type { StoredRecord } from './store.js'

/** The first 8 bytes of every backup file. */
export const BACKUP_MAGIC = Buffer.from('CORRALDB', 'latin1')
/** The format version this code writes and reads. */
export const BACKUP_VERSION = 1

const FIXED_HEAD_BYTES = 42
const ENTRY_HEAD_BYTES = 8 + HEADER_BYTES
const END_MARK = 0xffffffff
const READ_CHUNK_BYTES = 1024 * 1024

/** What a backup file says about its database. */
export interface BackupHead {
  name: string
  id: number
  kind: DbKind
  flags: number
  seqnum: bigint
  created: Date
}

// Why: backupdb streams a traverse snapshot to disk batch by batch, never the whole database at once.
export async function writeBackup (file: string, info: DbInfo, seqnum: bigint, batches: AsyncIterable<StoredRecord[]>): Promise<number> {
  const tmp = `${file}.tmp`
  let fh: FileHandle
  try {
    fh = await open(tmp, 'w', 0o600)
  } catch (cause) {
    throw new CorralError('CORRAL_E_INTERNAL', `cannot write the backup: ${(cause as Error).message}`, { cause, place: { file } })
  }
  let count = 0
  try {
    await writeAll(fh, encodeHead(info, seqnum))
    for await (const batch of batches) {
      await writeAll(fh, encodeEntries(batch))
      count += batch.length
    }
    const trailer = Buffer.alloc(12)
    trailer.writeUInt32LE(END_MARK, 0)
    trailer.writeBigUInt64LE(BigInt(count), 4)
    await writeAll(fh, trailer)
    await fh.sync()
    await fh.close()
  } catch (err) {
    await fh.close().catch(() => {})
    await rm(tmp, { force: true })
    throw err
  }
  await rename(tmp, file)
  await syncDir(dirname(file))
  return count
}

// Why: restore checks the whole file before touching the database, so a bad file changes nothing.
export async function scanBackup (file: string): Promise<BackupHead & { count: number }> {
  const r = await BackupReader.open(file)
  try {
    const head = await r.head()
    let count = 0
    while (await r.record() !== undefined) count++
    return { ...head, count }
  } finally {
    await r.close()
  }
}

// Why: restore feeds replaceAll in bounded batches straight from the file.
export async function * readBackup (file: string, batchRecords: number = DB_TRAVERSE_BATCH_RECORDS): AsyncGenerator<StoredRecord[]> {
  const r = await BackupReader.open(file)
  try {
    await r.head()
    let batch: StoredRecord[] = []
    for (let rec = await r.record(); rec !== undefined; rec = await r.record()) {
      batch.push(rec)
      if (batch.length >= batchRecords) {
        yield batch
        batch = []
      }
    }
    if (batch.length > 0) yield batch
  } finally {
    await r.close()
  }
}

// Why: dumpdbbackup prints what ctdb prints (key(N) = "...", dmaster, rsn, flags, data(N) = "...").
export async function * dumpBackupLines (file: string): AsyncGenerator<string> {
  const r = await BackupReader.open(file)
  try {
    const head = await r.head()
    yield `dbname: ${head.name}`
    yield `dbid: ${formatDbId(head.id)}`
    yield `kind: ${head.kind}`
    yield `seqnum: ${head.seqnum}`
    yield `created: ${head.created.toISOString()}`
    yield ''
    let count = 0
    for (let rec = await r.record(); rec !== undefined; rec = await r.record()) {
      count++
      yield `key(${rec.key.length}) = "${escapeBytes(rec.key)}"`
      yield `dmaster: ${rec.header.dmaster}`
      yield `rsn: ${rec.header.rsn}`
      yield `flags: ${formatRecordFlags(rec.header.flags)}`
      yield `data(${rec.data.length}) = "${escapeBytes(rec.data)}"`
      yield ''
    }
    yield `Dumped ${count} record(s)`
  } finally {
    await r.close()
  }
}

// Why: ctdb's dump spelling: printable ASCII as is, `"`, `\` and the rest as \XX (upper-case hex).
export function escapeBytes (bytes: Uint8Array): string {
  let s = ''
  for (const b of bytes) {
    s += b >= 0x20 && b <= 0x7e && b !== 0x22 && b !== 0x5c ? String.fromCharCode(b) : `\\${b.toString(16).toUpperCase().padStart(2, '0')}`
  }
  return s
}

function encodeHead (info: DbInfo, seqnum: bigint): Buffer {
  const name = Buffer.from(info.name, 'utf8')
  const buf = Buffer.alloc(FIXED_HEAD_BYTES + name.length)
  BACKUP_MAGIC.copy(buf, 0)
  buf.writeUInt32LE(BACKUP_VERSION, 8)
  buf.writeUInt8(DB_KINDS.indexOf(info.kind), 12)
  buf.writeUInt32LE(info.id, 16)
  buf.writeUInt32LE(info.flags, 20)
  buf.writeBigUInt64LE(seqnum, 24)
  buf.writeBigUInt64LE(BigInt(Date.now()), 32)
  buf.writeUInt16LE(name.length, 40)
  name.copy(buf, FIXED_HEAD_BYTES)
  return buf
}

function encodeEntries (batch: StoredRecord[]): Buffer {
  let size = 0
  for (const r of batch) size += ENTRY_HEAD_BYTES + r.key.length + r.data.length
  const buf = Buffer.allocUnsafe(size)
  let o = 0
  for (const r of batch) {
    buf.writeUInt32LE(r.key.length, o)
    buf.writeUInt32LE(r.data.length, o + 4)
    writeHeader(buf, o + 8, r.header)
    o += ENTRY_HEAD_BYTES
    buf.set(r.key, o)
    o += r.key.length
    buf.set(r.data, o)
    o += r.data.length
  }
  return buf
}

async function writeAll (fh: FileHandle, buf: Buffer): Promise<void> {
  let done = 0
  while (done < buf.length) done += (await fh.write(buf, done, buf.length - done)).bytesWritten
}

async function syncDir (dir: string): Promise<void> {
  const d = await open(dir, 'r')
  try { await d.sync() } catch { /* some filesystems refuse fsync on a directory */ } finally { await d.close() }
}

function corrupt (file: string, offset: number, what: string): CorralError {
  return new CorralError('CORRAL_E_DB_BACKUP_CORRUPT', `${what} at byte offset ${offset}`, { place: { file } })
}

// Reads a backup file front to back through one growing window, checking every length against
// the limits before it allocates, so a damaged length cannot make it read gigabytes.
class BackupReader {
  #buf = Buffer.alloc(0)
  #pos = 0
  #base = 0
  #eof = false
  #count = 0n
  #done = false

  private constructor (readonly file: string, readonly fh: FileHandle) {}

  static async open (file: string): Promise<BackupReader> {
    try {
      return new BackupReader(file, await open(file, 'r'))
    } catch (cause) {
      throw new CorralError('CORRAL_E_USAGE', `cannot read the backup: ${(cause as Error).message}`, { cause, place: { file } })
    }
  }

  async close (): Promise<void> {
    await this.fh.close()
  }

  async head (): Promise<BackupHead> {
    await this.#fill(FIXED_HEAD_BYTES)
    const start = this.#buf.subarray(0, Math.min(8, this.#left))
    if (!start.equals(BACKUP_MAGIC.subarray(0, start.length))) throw corrupt(this.file, 0, 'bad magic (not a corral database backup)')
    this.#take(8, 'magic')
    const fixed = this.#take(FIXED_HEAD_BYTES - 8, 'file header')
    const version = fixed.readUInt32LE(0)
    if (version !== BACKUP_VERSION) throw corrupt(this.file, 8, `unsupported backup version ${version} (this corral reads ${BACKUP_VERSION})`)
    const kind = DB_KINDS[fixed.readUInt8(4)]
    if (kind === undefined) throw corrupt(this.file, 12, `unknown database kind ${fixed.readUInt8(4)}`)
    const nameLen = fixed.readUInt16LE(32)
    if (nameLen === 0 || nameLen > MAX_DB_NAME_BYTES) throw corrupt(this.file, 40, `database name length ${nameLen} is out of range`)
    await this.#fill(nameLen)
    const name = this.#take(nameLen, 'database name').toString('utf8')
    const id = fixed.readUInt32LE(8)
    if (id !== dbIdOf(name) || name.includes('/') || name.includes('\0')) {
      throw corrupt(this.file, 16, `database id ${formatDbId(id)} does not belong to the name ${JSON.stringify(name)}`)
    }
    return { name, id, kind, flags: fixed.readUInt32LE(12), seqnum: fixed.readBigUInt64LE(16), created: new Date(Number(fixed.readBigUInt64LE(24))) }
  }

  // The next record, or undefined after the trailer (which must match the count and end the file).
  // Reads the window synchronously and awaits only when it must refill, one promise per record.
  async record (): Promise<StoredRecord | undefined> {
    if (this.#done) return undefined
    const at = this.#offset
    if (this.#left < 4) await this.#fill(4)
    const keyLen = this.#take(4, 'record key length').readUInt32LE(0)
    if (keyLen === END_MARK) {
      if (this.#left < 8) await this.#fill(8)
      const count = this.#take(8, 'record count').readBigUInt64LE(0)
      if (count !== this.#count) throw corrupt(this.file, at + 4, `the trailer counts ${count} records but the file holds ${this.#count}`)
      if (await this.#more()) throw corrupt(this.file, this.#offset, 'unexpected bytes after the trailer')
      this.#done = true
      return undefined
    }
    if (keyLen === 0 || keyLen > MAX_KEY_BYTES) throw corrupt(this.file, at, `record key length ${keyLen} is out of range (1..${MAX_KEY_BYTES})`)
    if (this.#left < 4) await this.#fill(4)
    const dataLen = this.#take(4, 'record data length').readUInt32LE(0)
    if (dataLen > MAX_VALUE_BYTES) throw corrupt(this.file, at + 4, `record data length ${dataLen} is larger than the limit of ${MAX_VALUE_BYTES}`)
    if (this.#left < HEADER_BYTES + keyLen + dataLen) await this.#fill(HEADER_BYTES + keyLen + dataLen)
    const header = readHeader(this.#take(HEADER_BYTES, 'record header'), 0)
    const key = this.#take(keyLen, 'record key')
    const data = this.#take(dataLen, 'record data')
    this.#count++
    return { key, header, data }
  }

  get #offset (): number {
    return this.#base + this.#pos
  }

  get #left (): number {
    return this.#buf.length - this.#pos
  }

  // n bytes at the current offset, from the window (#fill first); the slice stays valid because
  // the window is replaced, never overwritten.
  #take (n: number, what: string): Buffer {
    if (this.#left < n) throw corrupt(this.file, this.#offset, `truncated: the ${what} needs ${n} bytes, ${this.#left} left`)
    const out = this.#buf.subarray(this.#pos, this.#pos + n)
    this.#pos += n
    return out
  }

  // Read until the window holds n bytes or the file ends.
  async #fill (n: number): Promise<void> {
    while (this.#left < n && !this.#eof) await this.#read(n)
  }

  async #more (): Promise<boolean> {
    await this.#fill(1)
    return this.#left > 0
  }

  async #read (n: number): Promise<void> {
    const keep = this.#buf.subarray(this.#pos)
    const want = Math.max(READ_CHUNK_BYTES, n - keep.length)
    const next = Buffer.allocUnsafe(keep.length + want)
    keep.copy(next, 0)
    const { bytesRead } = await this.fh.read(next, keep.length, want, null)
    if (bytesRead === 0) this.#eof = true
    this.#base += this.#pos
    this.#buf = next.subarray(0, keep.length + bytesRead)
    this.#pos = 0
  }
}
