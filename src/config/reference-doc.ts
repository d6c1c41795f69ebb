/** Renders the configuration reference from the schema's JSON Schema: names, types, defaults and descriptions. */
import { z } from 'zod';
import { configSchema } from './schema.ts';

interface JsonSchema {
  type?: string | string[];
  description?: string;
  default?: unknown;
  enum?: unknown[];
  properties?: Record<string, JsonSchema>;
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  required?: string[];
  minimum?: number;
  maximum?: number;
  format?: string;
  pattern?: string;
}

function typeOf(s: JsonSchema): string {
  if (s.enum) return s.enum.map((v) => JSON.stringify(v)).join(' \\| ');
  if (s.anyOf) return s.anyOf.map(typeOf).join(' \\| ');
  if (s.type === 'array') return `list of ${s.items ? typeOf(s.items) : 'values'}`;
  if (s.type === 'integer' && s.minimum !== undefined && s.maximum !== undefined && s.maximum < 1e15) return `integer ${s.minimum}–${s.maximum}`;
  return String(s.type ?? (s.properties ? 'object' : 'any'));
}

function rows(schema: JsonSchema, prefix: string, out: string[]): void {
  for (const [key, prop] of Object.entries(schema.properties ?? {})) {
    const path = `${prefix}${key}`;
    const required = schema.required?.includes(key) && prop.default === undefined ? 'yes' : '';
    const def = prop.default === undefined ? '' : `\`${JSON.stringify(prop.default)}\``;
    out.push(`| \`${path}\` | ${typeOf(prop)} | ${required} | ${def} | ${(prop.description ?? '').replace(/\|/g, '\\|')} |`);
    if (prop.properties) rows(prop, `${path}.`, out);
    if (prop.type === 'array' && prop.items?.properties) rows(prop.items, `${path}[].`, out);
  }
}

export function configReference(): string {
  const schema = z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  const out = [
    '# Configuration reference',
    '',
    '<!-- Generated from src/config/schema.ts by `npm run docs`; test/unit/config/reference.test.ts keeps it in step. -->',
    '',
    'Tollgate reads one YAML or JSON file (`tollgate serve --config FILE`, or `TOLLGATE_CONFIG`).',
    '`${NAME}` in any string value is replaced by the environment variable NAME (`${NAME:-fallback}` gives a fallback);',
    'an unset variable is a configuration error. Every problem is reported with its key path, and the server exits with code 2.',
    'Unknown keys are errors, so a typo never passes silently.',
    '',
    '| Key | Type | Required | Default | Description |',
    '| --- | --- | --- | --- | --- |',
  ];
  rows(schema, '', out);
  out.push('', 'See `examples/tollgate.yaml` for a complete file.', '');
  return out.join('\n');
}
