// src/protocol/README.md carries the API table and each API's fields, generated from the definitions
// (schema-doc.ts); this test fails when they are stale. UPDATE_PROTOCOL_README=1 rewrites them in place.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ALL_APIS } from '../../src/protocol/index.js';
import { apiFields, apiTable, withGeneratedSections } from '../../src/protocol/schema-doc.js';

const README = join(import.meta.dirname, '../../src/protocol/README.md');

describe('src/protocol/README.md', () => {
  it('has the generated API table and every API fields of the current definitions', () => {
    const text = readFileSync(README, 'utf8');
    const expected = withGeneratedSections(text);
    if (process.env.UPDATE_PROTOCOL_README === '1' && expected !== text) writeFileSync(README, expected);
    else expect(text).toBe(expected);
  });

  it('lists every defined API as served, and no API as "later"', () => {
    const table = apiTable();
    for (const api of ALL_APIS) expect(table).toContain(`| ${api.key} | ${api.name} | 0`);
    expect(table).toContain('| 11 | JoinGroup | 0 | – |');
    expect(table).toContain('| 0 | Produce | 0 | request |');
    expect(table).toContain('| 1 | Fetch | 0 | response |');
    expect(table).not.toMatch(/later/);
  });

  it('writes bounds, defaults, nullability and tail fields as the validators apply them', () => {
    const fetch = apiFields(ALL_APIS.find((api) => api.name === 'Fetch')!);
    expect(fetch).toContain('`maxWaitMs int 0..600000 (default 500)`');
    expect(fetch).toContain('recordsBytes int ≥ 0 (its bytes in the tail');
    expect(fetch).toContain('errorMessage str?');
    const metadata = apiFields(ALL_APIS.find((api) => api.name === 'Metadata')!);
    expect(metadata).toContain('`topics [str ≤ 996]? (nil = all topics)`');
  });
});
