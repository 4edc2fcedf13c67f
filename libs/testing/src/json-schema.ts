// A JSON Schema checker for the subset Gilt's public event schemas use (type, const, enum,
// required, properties, additionalProperties, items, pattern, format date-time). Tests use it to
// hold published events to their served schemas without pulling in a validator dependency.

type Schema = Record<string, unknown>;

export interface SchemaCheckOptions {
  /** Also report properties a schema does not name: catches events that drifted from their schema. */
  closed?: boolean;
}

/** Every place `value` breaks `schema`, as `path: problem`; empty when it conforms. */
export function schemaErrors(schema: Schema, value: unknown, opts: SchemaCheckOptions = {}, path = '$'): string[] {
  const errors: string[] = [];
  if ('const' in schema && JSON.stringify(schema.const) !== JSON.stringify(value)) errors.push(`${path}: must be ${JSON.stringify(schema.const)}`);
  if (Array.isArray(schema.enum) && !schema.enum.some((x) => JSON.stringify(x) === JSON.stringify(value))) errors.push(`${path}: must be one of ${JSON.stringify(schema.enum)}`);
  if (schema.type !== undefined) {
    const types = Array.isArray(schema.type) ? (schema.type as string[]) : [schema.type as string];
    if (!types.some((t) => hasType(value, t))) return [...errors, `${path}: must be ${types.join(' or ')}, got ${value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value}`];
  }
  if (typeof value === 'string') {
    if (typeof schema.pattern === 'string' && !new RegExp(schema.pattern, 'u').test(value)) errors.push(`${path}: must match ${schema.pattern}`);
    if (schema.format === 'date-time' && !/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/.test(value)) errors.push(`${path}: must be an RFC 3339 date-time`);
  }
  if (Array.isArray(value) && schema.items) value.forEach((item, i) => errors.push(...schemaErrors(schema.items as Schema, item, opts, `${path}[${i}]`)));
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const record = value as Record<string, unknown>;
    for (const key of (schema.required as string[] | undefined) ?? []) if (!(key in record)) errors.push(`${path}.${key}: is required`);
    const properties = (schema.properties as Record<string, Schema> | undefined) ?? {};
    for (const [key, v] of Object.entries(record)) {
      if (properties[key]) errors.push(...schemaErrors(properties[key], v, opts, `${path}.${key}`));
      else if (typeof schema.additionalProperties === 'object') errors.push(...schemaErrors(schema.additionalProperties as Schema, v, opts, `${path}.${key}`));
      else if (schema.additionalProperties === false || (opts.closed && schema.properties)) errors.push(`${path}.${key}: is not in the schema`);
    }
  }
  return errors;
}

function hasType(value: unknown, type: string): boolean {
  switch (type) {
    case 'null':
      return value === null;
    case 'array':
      return Array.isArray(value);
    case 'object':
      return typeof value === 'object' && value !== null && !Array.isArray(value);
    case 'integer':
      return Number.isInteger(value);
    default:
      return typeof value === type;
  }
}
