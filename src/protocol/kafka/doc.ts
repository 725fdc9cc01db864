// The generated parts of src/protocol/kafka/README.md: the table of APIs and versions, and each message's
// fields with their versions, written from the definitions (test/protocol/kafka/readme.test.ts keeps the
// README equal to this output).
import type { KafkaApi } from './api.js';
import { KAFKA_APIS } from './messages/index.js';
import { formatVersions } from '../versions.js';
import type { Field, MessageDef, Struct } from './schema.js';

const range = formatVersions;

export function apiTable(apis: readonly KafkaApi[] = KAFKA_APIS): string {
  const lines = [
    '| key | API | served | defined (Kafka) | flexible from | why this range |',
    '| --- | --- | --- | --- | --- | --- |',
  ];
  for (const api of apis) {
    const flexible = range(api.request.flexibleVersions);
    lines.push(
      `| ${api.key} | ${api.name} | ${range(api.served)} | ${range(api.request.validVersions)} | ${flexible === 'none' ? 'never' : flexible.replace('+', '')} | ${api.why} |`,
    );
  }
  return lines.join('\n');
}

function typeName(field: Field): string {
  if (field.kind === 'array') return `[${field.items!.kind === 'struct' ? '' : typeName(field.items!)}]`;
  return field.kind === 'struct' ? '' : field.kind;
}

function describeField(name: string, field: Field): string {
  const notes: string[] = [];
  if (field.versions !== '0+') notes.push(`v${range(field.versions!)}`);
  if (field.nullableVersions) notes.push(`null v${range(field.nullableVersions)}`);
  if (field.tag !== undefined) notes.push(`tag ${field.tag}`);
  if (field.default !== undefined) notes.push(`default ${JSON.stringify(field.default)}`);
  if (field.ignorable) notes.push('ignorable');
  const inner = field.kind === 'array' ? field.items! : field;
  const nested = inner.kind === 'struct' ? ` { ${describeStruct(inner.fields!)} }` : '';
  const type = typeName(field);
  return `${name}${type ? ` ${type}` : ''}${notes.length ? ` (${notes.join(', ')})` : ''}${nested}`;
}

function describeStruct(fields: Struct): string {
  return Object.entries(fields)
    .map(([name, field]) => describeField(name, field))
    .join(', ');
}

function describeMessage(def: MessageDef): string {
  return `- ${def.type === 'request' ? 'request' : 'response'}: ${describeStruct(def.fields) || '(no fields)'}`;
}

/** Each API's request and response fields, in wire order, with the versions that carry them. */
export function fieldMap(apis: readonly KafkaApi[] = KAFKA_APIS): string {
  return apis
    .map((api) =>
      [`#### ${api.name} (${api.key})`, describeMessage(api.request), describeMessage(api.response)].join('\n'),
    )
    .join('\n\n');
}
