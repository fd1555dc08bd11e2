// A small JSON Schema checker for the subset docs/schemas/*.json use (type, properties, required,
// additionalProperties, items, enum, const, oneOf, minimum, minItems, minLength, pattern). No
// dependency: ajv would be the only user of a 1 MB package for eight documents checked in tests.
type Schema = Record<string, unknown>

const typeOf = (v: unknown): string => v === null ? 'null' : Array.isArray(v) ? 'array' : Number.isInteger(v) ? 'integer' : typeof v

function typeOk (want: string, v: unknown): boolean {
  const t = typeOf(v)
  return want === t || (want === 'number' && t === 'integer')
}

// Why: tests assert real CLI output against the published schemas; every mismatch names its path.
export function check (schema: Schema, value: unknown, path = '$'): string[] {
  const errors: string[] = []
  const err = (m: string): void => { errors.push(`${path}: ${m}`) }
  if (schema.type !== undefined) {
    const types = Array.isArray(schema.type) ? schema.type as string[] : [schema.type as string]
    if (!types.some(t => typeOk(t, value))) { err(`expected ${types.join('|')}, got ${typeOf(value)}`); return errors }
  }
  if ('const' in schema && JSON.stringify(schema.const) !== JSON.stringify(value)) err(`expected ${JSON.stringify(schema.const)}, got ${JSON.stringify(value)}`)
  if (Array.isArray(schema.enum) && !schema.enum.some(e => JSON.stringify(e) === JSON.stringify(value))) err(`expected one of ${JSON.stringify(schema.enum)}, got ${JSON.stringify(value)}`)
  if (Array.isArray(schema.oneOf)) {
    const matching = (schema.oneOf as Schema[]).filter(s => check(s, value, path).length === 0).length
    if (matching !== 1) err(`matches ${matching} of the oneOf alternatives, expected exactly 1`)
  }
  if (typeof schema.minimum === 'number' && typeof value === 'number' && value < schema.minimum) err(`${value} < minimum ${schema.minimum}`)
  if (typeof schema.minLength === 'number' && typeof value === 'string' && value.length < schema.minLength) err(`shorter than ${schema.minLength}`)
  if (typeof schema.pattern === 'string' && typeof value === 'string' && !new RegExp(schema.pattern).test(value)) err(`does not match ${schema.pattern}`)
  if (Array.isArray(value)) {
    if (typeof schema.minItems === 'number' && value.length < schema.minItems) err(`fewer than ${schema.minItems} items`)
    if (schema.items !== undefined) value.forEach((x, i) => errors.push(...check(schema.items as Schema, x, `${path}[${i}]`)))
  }
  if (typeOf(value) === 'object') {
    const o = value as Record<string, unknown>
    const props = (schema.properties ?? {}) as Record<string, Schema>
    for (const k of (schema.required ?? []) as string[]) if (!(k in o)) err(`missing required field '${k}'`)
    for (const [k, v] of Object.entries(o)) {
      if (k in props) errors.push(...check(props[k], v, `${path}.${k}`))
      else if (schema.additionalProperties === false) err(`unexpected field '${k}'`)
      else if (typeof schema.additionalProperties === 'object') errors.push(...check(schema.additionalProperties as Schema, v, `${path}.${k}`))
    }
  }
  return errors
}
