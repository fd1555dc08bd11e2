// A message's frame body as parts. Large top-level bytes fields (recovery batches, traverse
// batches) are left out of the protobuf encoding and follow it as their own field record (tag,
// length, the caller's bytes), so the socket gets them without a copy into the frame. Protobuf
// allows fields in any order: a peer decodes the parts as one message, exactly as before.
import { create, toBinary, type DescField, type DescMessage, type MessageInitShape } from '@bufbuild/protobuf'
import { ScalarType } from '@bufbuild/protobuf'
import { UNCOPIED_BYTES_MIN } from './constants.js'

const bytesFields = new WeakMap<DescMessage, DescField[]>()

// The singular bytes fields outside any oneof: the only ones a part may carry.
function largeCandidates (schema: DescMessage): DescField[] {
  let f = bytesFields.get(schema)
  if (f === undefined) {
    f = schema.fields.filter(x => x.fieldKind === 'scalar' && x.scalar === ScalarType.BYTES && x.oneof === undefined)
    bytesFields.set(schema, f)
  }
  return f
}

function varint (n: number): number[] {
  const out: number[] = []
  while (n > 0x7f) { out.push((n & 0x7f) | 0x80); n = Math.floor(n / 128) }
  out.push(n)
  return out
}

// Why: a recovery batch is sent to every node without being copied three times on the daemon's loop.
export function encodeBody (schema: DescMessage, msg: unknown): Uint8Array[] {
  const init = msg as Record<string, unknown>
  let rest: Record<string, unknown> | undefined
  const tail: Uint8Array[] = []
  for (const f of largeCandidates(schema)) {
    const v = init?.[f.localName]
    if (!(v instanceof Uint8Array) || v.length < UNCOPIED_BYTES_MIN) continue
    rest ??= { ...init }
    delete rest[f.localName]
    tail.push(Uint8Array.from([...varint(f.number * 8 + 2), ...varint(v.length)]), v)
  }
  const head = toBinary(schema, create(schema, (rest ?? init) as MessageInitShape<DescMessage>))
  return tail.length === 0 ? [head] : [head, ...tail]
}
