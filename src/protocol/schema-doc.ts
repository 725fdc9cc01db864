// The generated parts of src/protocol/README.md: the table of APIs and, per API, its request and response
// fields with their types, bounds, defaults and versions, written from the definitions
// (test/protocol/readme.test.ts keeps the README equal to this output; UPDATE_PROTOCOL_README=1 rewrites it).
import { ApiKey, type AnyNativeApi } from './api-keys.js';
import { ALL_APIS } from './apis/index.js';
import {
  carriesRecords,
  DEFAULT_MAX_BYTES,
  DEFAULT_MAX_ITEMS,
  DEFAULT_MAX_STRING,
  type Field,
  type MessageDef,
  type Struct,
  wireName,
} from './schema.js';
import { formatVersions } from './versions.js';

function sorted(apis: readonly AnyNativeApi[]): AnyNativeApi[] {
  return [...apis].sort((a, b) => a.key - b.key);
}

function tailOf(api: AnyNativeApi): string {
  const request = Object.values(api.request.fields).some(carriesRecords);
  const response = Object.values(api.response.fields).some(carriesRecords);
  return request ? 'request' : response ? 'response' : '–';
}

/** Every API key: the defined ones with their versions and tail, the reserved ones marked so. */
export function apiTable(apis: readonly AnyNativeApi[] = ALL_APIS): string {
  const lines = ['| apiKey | name | versions | tail |', '| --- | --- | --- | --- |'];
  const defined = new Map<number, AnyNativeApi>(apis.map((api) => [api.key, api]));
  const keys = [...new Set<number>([...Object.values(ApiKey), ...defined.keys()])].sort((a, b) => a - b);
  for (const key of keys) {
    const api = defined.get(key);
    if (api) lines.push(`| ${key} | ${api.name} | ${formatVersions(api.request.validVersions)} | ${tailOf(api)} |`);
    else {
      const name = Object.entries(ApiKey).find(([, k]) => k === key)?.[0] ?? '?';
      lines.push(`| ${key} | ${name} | – | – (reserved, not defined yet) |`);
    }
  }
  return lines.join('\n');
}

function bounds(f: Field): string {
  switch (f.kind) {
    case 'int':
      if (f.min !== undefined && f.max !== undefined) return ` ${f.min}..${f.max}`;
      if (f.min !== undefined) return ` ≥ ${f.min}`;
      return f.max !== undefined ? ` ≤ ${f.max}` : '';
    case 'string':
      return f.maxLength !== undefined && f.maxLength !== DEFAULT_MAX_STRING ? ` ≤ ${f.maxLength}` : '';
    case 'bytes':
      return f.maxLength !== undefined && f.maxLength !== DEFAULT_MAX_BYTES ? ` ≤ ${f.maxLength} bytes` : '';
    case 'array':
      return f.maxItems !== undefined && f.maxItems !== DEFAULT_MAX_ITEMS ? ` (≤ ${f.maxItems})` : '';
    default:
      return '';
  }
}

function typeOf(f: Field): string {
  switch (f.kind) {
    case 'string':
      return 'str';
    case 'bytes':
      return 'bin';
    case 'enum':
      return f.values!.map((v) => (typeof v === 'string' ? `"${v}"` : String(v))).join('|');
    case 'stringMap':
      return f.nullValues ? '{str: str?}' : '{str: str}';
    case 'records':
      return 'int ≥ 0';
    case 'array':
      return `[${typeOf(f.items!)}${bounds(f.items!)}]`;
    case 'struct':
      return `{ ${describeStruct(f.fields!)} }`;
    default:
      return f.kind;
  }
}

function describeField(name: string, f: Field): string {
  const notes: string[] = [];
  if (f.versions !== '0+') notes.push(`v${formatVersions(f.versions)}`);
  if (f.default !== undefined) notes.push(`default ${JSON.stringify(f.default)}`);
  if (f.kind === 'records') notes.push('its bytes in the tail');
  if (f.doc) notes.push(f.doc);
  const nullable = f.nullableVersions !== undefined ? '?' : '';
  const type = f.kind === 'array' ? `${typeOf(f)}${nullable}${bounds(f)}` : `${typeOf(f)}${bounds(f)}${nullable}`;
  return `${wireName(name, f)} ${type}${notes.length > 0 ? ` (${notes.join('; ')})` : ''}`;
}

function describeStruct(fields: Struct): string {
  return Object.entries(fields)
    .map(([name, f]) => describeField(name, f))
    .join(', ');
}

function describeMessage(def: MessageDef): string {
  const fields = Object.entries(def.fields).map(([name, f]) => `\`${describeField(name, f)}\``);
  const tail = Object.values(def.fields).some(carriesRecords) ? ' + tail' : '';
  return `- ${def.type}: ${fields.length > 0 ? fields.join(', ') : '`{}` (or nil)'}${tail}`;
}

/** One API's request and response, as the README's section 5 lists them. */
export function apiFields(api: AnyNativeApi): string {
  return [describeMessage(api.request), describeMessage(api.response)].join('\n');
}

/** The README's generated blocks, by marker name: `api-table` and `fields:<ApiName>` for every API. */
export function generatedSections(apis: readonly AnyNativeApi[] = ALL_APIS): Record<string, string> {
  const sections: Record<string, string> = { 'api-table': apiTable(apis) };
  for (const api of sorted(apis)) sections[`fields:${api.name}`] = apiFields(api);
  return sections;
}

/**
 * `text` with every generated block replaced by the current output. A block is the lines between
 * `<!-- generated:NAME … -->` and `<!-- end generated:NAME -->`; a section without its markers throws.
 */
export function withGeneratedSections(text: string, sections = generatedSections()): string {
  let out = text;
  for (const [name, body] of Object.entries(sections)) {
    const start = out.indexOf(`<!-- generated:${name} `);
    const end = out.indexOf(`<!-- end generated:${name} -->`);
    if (start < 0 || end < 0) throw new Error(`README has no generated:${name} markers`);
    const afterStart = out.indexOf('-->', start) + 3;
    out = `${out.slice(0, afterStart)}\n${body}\n${out.slice(end)}`;
  }
  return out;
}
