import t from 'tap'
import { allMessageTypes, replySchemaFor, RPCS, schemaForType, TYPE_RANGES, typeOfSchema, MessageType } from '../../protocol/registry.js'

t.test('every message type id falls in its area\'s reserved range', async t => {
  const ranges = Object.values(TYPE_RANGES)
  for (const [type, schema] of allMessageTypes()) {
    t.ok(type > 0 && type <= 0xffff, `${schema.typeName} id ${type} is a non-zero uint16`)
    t.ok(ranges.some(([lo, hi]) => type >= lo && type <= hi), `${schema.typeName} id ${type} is inside a reserved range`)
  }
  t.ok(allMessageTypes().filter(([type]) => type <= TYPE_RANGES.session[1]).every(([, s]) => /Hello|ErrorReply|Ping|Pong|Echo/.test(s.typeName)))
})

t.test('ids and schemas map both ways', async t => {
  for (const [type, schema] of allMessageTypes()) {
    t.equal(schemaForType(type), schema)
    t.equal(typeOfSchema(schema), type)
  }
  t.equal(schemaForType(0), undefined)
  t.equal(schemaForType(999), undefined)
})

t.test('every request type has a registered reply type', async t => {
  for (const { request, reply } of RPCS) {
    t.not(typeOfSchema(request), undefined, `${request.typeName} has an id`)
    t.not(typeOfSchema(reply), undefined, `${reply.typeName} has an id`)
    t.equal(replySchemaFor(request), reply)
  }
  t.equal(MessageType.Hello, 1)
  t.equal(MessageType.ErrorReply, 2)
})
