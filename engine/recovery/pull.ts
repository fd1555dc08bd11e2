// A recovery pull over a node link, in chunks: each chunk is one request for at most `maxBatches`
// batches after the last key received, so no stream ever has more than a chunk waiting on the link
// (the link's read pause at STREAM_HIGH_WATER_MESSAGES would also stop the push replies on it).
import { CorralError } from '../errors/index.js'
import { keyBounds, type PackedBatch } from '../database/index.js'

/** One chunk of a pull: the batches after `after` (from the first key when undefined), at most `maxBatches`. */
export type PullChunk = (after: Buffer | undefined, maxBatches: number) => AsyncIterable<PackedBatch>

// Why: the leader pulls every database of every node at once; chunks keep each stream bounded.
// A peer that ignores the chunk fields sends everything in the first chunk: that ends the pull
// (more batches than asked for, or a next chunk that starts again at or before the last key).
export async function * chunkedPull (chunk: PullChunk, maxBatches: number): AsyncIterable<PackedBatch> {
  if (!Number.isSafeInteger(maxBatches) || maxBatches < 1) throw new CorralError('CORRAL_E_USAGE', `maxBatches must be a positive integer, got ${String(maxBatches)}`)
  let after: Buffer | undefined
  for (;;) {
    let batches = 0
    let lastBatch: PackedBatch | undefined
    for await (const b of chunk(after, maxBatches)) {
      if (b.count === 0) continue
      if (batches === 0 && after !== undefined) {
        const first = keyBounds(b.packed)?.first
        if (first !== undefined && Buffer.compare(first, after) <= 0) return
      }
      batches++
      lastBatch = b
      yield b
    }
    if (batches !== maxBatches || lastBatch === undefined) return
    const last = keyBounds(lastBatch.packed)?.last
    if (last === undefined) return
    // A copy: the batch it came from may be reused by whoever consumed it.
    after = Buffer.from(last)
  }
}

// Why: a node serves a RecPullRequest's chunk fields as traverse options; unset (empty key, 0
// batches) means from the first key and to the end, as a leader that does not chunk asks.
export function chunkOfRequest (r: { afterKey: Uint8Array, maxBatches: number }): { after?: Uint8Array, maxBatches?: number } {
  return { after: r.afterKey.length > 0 ? r.afterKey : undefined, maxBatches: r.maxBatches > 0 ? r.maxBatches : undefined }
}
