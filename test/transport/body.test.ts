import t from 'tap'
import { create, fromBinary, toBinary } from '@bufbuild/protobuf'
import { RecPushRequestSchema } from '../../protocol/gen/corral/v1/database_pb.js'
import { encodeBody } from '../../engine/transport/body.js'
import { UNCOPIED_BYTES_MIN } from '../../engine/transport/constants.js'

const msg = (packed: Uint8Array) => ({ dbId: 0x7132c184, generation: 42, name: 'secrets.tdb', kind: 'persistent', packed, count: 3, last: false, seqnum: 9n, total: 12n })

t.test('a small bytes field stays inside the one protobuf encoding', async t => {
  const m = msg(Buffer.alloc(100, 7))
  const parts = encodeBody(RecPushRequestSchema, m)
  t.equal(parts.length, 1)
  t.same(Buffer.from(parts[0]), Buffer.from(toBinary(RecPushRequestSchema, create(RecPushRequestSchema, m))))
})

t.test('a large bytes field follows the encoding as its own uncopied part, and the parts decode to the same message', async t => {
  const packed = Buffer.alloc(UNCOPIED_BYTES_MIN * 4 + 5)
  for (let i = 0; i < packed.length; i++) packed[i] = i % 251
  const parts = encodeBody(RecPushRequestSchema, msg(packed))
  t.equal(parts.length, 3, 'the rest, the field tag and length, the bytes')
  t.equal(parts[2], packed, 'the caller\'s buffer itself, not a copy')
  const decoded = fromBinary(RecPushRequestSchema, Buffer.concat(parts))
  t.same(Buffer.from(decoded.packed), packed)
  t.same({ ...decoded, packed: undefined, $typeName: undefined }, { ...msg(packed), packed: undefined, $typeName: undefined })
})
