// Database ids as CTDB computes them: Bob Jenkins' lookup3 "hashlittle" (public domain) with an
// initial value of 0, which is what tdb_jenkins_hash() and ctdb_hash() use. A database's id is
// the hash of its name including the terminating NUL, so ids match ctdb's for the same names.

function rot (x: number, k: number): number {
  return (x << k) | (x >>> (32 - k))
}

// Why: the same function places keys on lmasters in CTDB, so the cluster side can reuse it.
export function jenkinsHash (bytes: Uint8Array): number {
  let len = bytes.length
  let a = (0xdeadbeef + len) | 0
  let b = a
  let c = a
  let i = 0
  // All but the last block: 12 bytes as three little-endian words, then mix.
  while (len > 12) {
    a = (a + word(bytes, i)) | 0
    b = (b + word(bytes, i + 4)) | 0
    c = (c + word(bytes, i + 8)) | 0
    a = (a - c) | 0; a ^= rot(c, 4); c = (c + b) | 0
    b = (b - a) | 0; b ^= rot(a, 6); a = (a + c) | 0
    c = (c - b) | 0; c ^= rot(b, 8); b = (b + a) | 0
    a = (a - c) | 0; a ^= rot(c, 16); c = (c + b) | 0
    b = (b - a) | 0; b ^= rot(a, 19); a = (a + c) | 0
    c = (c - b) | 0; c ^= rot(b, 4); b = (b + a) | 0
    len -= 12
    i += 12
  }
  if (len === 0) return c >>> 0
  // The last 1..12 bytes, zero-padded, added the same way; then the final avalanche.
  a = (a + partialWord(bytes, i, Math.min(len, 4))) | 0
  if (len > 4) b = (b + partialWord(bytes, i + 4, Math.min(len - 4, 4))) | 0
  if (len > 8) c = (c + partialWord(bytes, i + 8, len - 8)) | 0
  c ^= b; c = (c - rot(b, 14)) | 0
  a ^= c; a = (a - rot(c, 11)) | 0
  b ^= a; b = (b - rot(a, 25)) | 0
  c ^= b; c = (c - rot(b, 16)) | 0
  a ^= c; a = (a - rot(c, 4)) | 0
  b ^= a; b = (b - rot(a, 14)) | 0
  c ^= b; c = (c - rot(b, 24)) | 0
  return c >>> 0
}

function word (p: Uint8Array, i: number): number {
  return p[i] | (p[i + 1] << 8) | (p[i + 2] << 16) | (p[i + 3] << 24)
}

function partialWord (p: Uint8Array, i: number, n: number): number {
  let w = 0
  for (let j = 0; j < n; j++) w |= p[i + j] << (8 * j)
  return w
}

// Why: CTDB's DB_ATTACH hashes `strlen(name) + 1` bytes; ours must give the same ids.
export function dbIdOf (name: string): number {
  const utf8 = Buffer.from(name, 'utf8')
  const bytes = new Uint8Array(utf8.length + 1)
  bytes.set(utf8)
  return jenkinsHash(bytes)
}

// Why: every message and dump spells ids as ctdb does, `0x` and eight lower-case hex digits.
export function formatDbId (id: number): string {
  return `0x${(id >>> 0).toString(16).padStart(8, '0')}`
}
