// Cluster-key authentication of node links: mutual HMAC-SHA256 challenge/response over fresh
// nonces, so a peer without the key can neither join nor get anything but a refusal.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'
import { readFileSync, statSync } from 'node:fs'
import { CLUSTER_KEY_MIN_BYTES } from '../../config/defaults.js'
import { CorralError } from '../../errors/index.js'

export const NONCE_BYTES = 32

// Why: the key file is the cluster's only secret; refuse a missing, short or world-readable one.
export function readClusterKey (file: string): Buffer {
  let key: Buffer
  try {
    key = readFileSync(file)
  } catch (err) {
    throw new CorralError('CORRAL_E_AUTH', `cannot read the cluster key: ${(err as Error).message} (create it with: head -c 32 /dev/urandom > ${file}; chmod 600 ${file})`, { place: { file }, cause: err })
  }
  if (key.length < CLUSTER_KEY_MIN_BYTES) throw new CorralError('CORRAL_E_AUTH', `the cluster key is ${key.length} bytes; at least ${CLUSTER_KEY_MIN_BYTES} are needed`, { place: { file } })
  if ((statSync(file).mode & 0o077) !== 0) throw new CorralError('CORRAL_E_AUTH', 'the cluster key file is readable by others: chmod 600 it', { place: { file } })
  return key
}

// Why: both sides derive proofs the same way; the role letter stops a proof being reflected back.
export function proof (key: Buffer, role: 'S' | 'C', first: Uint8Array, second: Uint8Array): Buffer {
  return createHmac('sha256', key).update(role).update(first).update(second).digest()
}

// Why: compare proofs in constant time.
export function proofMatches (expected: Buffer, got: Uint8Array): boolean {
  return got.length === expected.length && timingSafeEqual(expected, Buffer.from(got))
}

// Why: every handshake uses fresh randomness.
export function nonce (): Buffer {
  return randomBytes(NONCE_BYTES)
}
