// src/protocol/kafka/README.md carries tables generated from the definitions (doc.ts); this test fails when
// they are stale. UPDATE_KAFKA_README=1 rewrites them in place.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { apiTable, fieldMap } from '../../../src/protocol/kafka/doc.js';

const README = join(import.meta.dirname, '../../../src/protocol/kafka/README.md');

const sections = { 'api-table': apiTable(), 'field-map': fieldMap() };

function withGenerated(text: string): string {
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

describe('src/protocol/kafka/README.md', () => {
  it('has the generated API table and field map of the current definitions', () => {
    const text = readFileSync(README, 'utf8');
    const expected = withGenerated(text);
    if (process.env.UPDATE_KAFKA_README === '1' && expected !== text) writeFileSync(README, expected);
    else expect(text).toBe(expected);
  });

  it('the table lists every API with its served range', () => {
    expect(apiTable()).toContain('| 18 | ApiVersions | 0–3 | 0–4 | 3 |');
    expect(apiTable()).toContain('| 0 | Produce | 0–7 | 0–11 | 9 |');
    expect(apiTable()).toContain('| 17 | SaslHandshake | 0–1 | 0–1 | never |');
  });
});
