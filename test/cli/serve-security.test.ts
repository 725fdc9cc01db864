// `sluice serve --auth --super-user …` and the config file's `security` object.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { UsageError } from '../../cli/lib/errors.js';
import { serveSettings } from '../../cli/serve-config.js';
import { removeTempDirs, tempDir } from '../helpers/temp-dir.js';

afterAll(removeTempDirs);

describe('serve security settings', () => {
  it('--auth turns on authentication and authorization; --super-user adds to the file', async () => {
    const path = join(await tempDir(), 'sluice.json');
    await writeFile(path, JSON.stringify({ security: { superUsers: ['ops'] } }));
    expect(serveSettings({ config: path }).options.security).toEqual({ superUsers: ['ops'] });
    const s = serveSettings({ config: path, auth: true, superUser: ['admin', 'User:root'] });
    expect(s.options.security).toEqual({
      authentication: true,
      authorization: true,
      superUsers: ['ops', 'admin', 'User:root'],
    });
    expect(serveSettings({}).options.security).toBeUndefined();
  });

  it('refuses a bad security setting with a UsageError sentence', async () => {
    const path = join(await tempDir(), 'sluice.json');
    await writeFile(path, JSON.stringify({ security: { authentication: 1 } }));
    const run = () => serveSettings({ config: path });
    expect(run).toThrow(UsageError);
    expect(run).toThrow(/invalid broker setting: security\.authentication must be true or false/);
  });
});

describe('serve with authentication', () => {
  it('opens the HTTP door, which then authenticates every request', () => {
    expect(serveSettings({ auth: true }).http).not.toBeNull();
    expect(serveSettings({ auth: true, http: false }).http).toBeNull();
  });

  it('--insecure-allow-anonymous lets a wildcard bind start without authentication; without it, one sentence', () => {
    expect(serveSettings({ host: '0.0.0.0', insecureAllowAnonymous: true }).options.security).toEqual({
      insecureAllowAnonymous: true,
    });
    expect(() => serveSettings({ host: '0.0.0.0' })).toThrow(
      /invalid broker setting: refusing to listen on 0\.0\.0\.0 without authentication/,
    );
  });
});
