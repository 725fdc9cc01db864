// `sluice users` offline on a data directory, then the CLI authenticating with --sasl-mechanism/--username and
// SLUICE_PASSWORD against a broker with authentication on; no password ever appears in any output or log.
import { readFile } from 'node:fs/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { usersFilePath } from '../../src/broker/security/auth/users.js';
import { LogCapture, startBroker } from '../helpers/broker.js';
import { removeTempDirs, tempDir } from '../helpers/temp-dir.js';
import { sluice } from './helpers.js';

afterAll(removeTempDirs);

const PASSWORD = 'cli-secret-horse-42';

describe('sluice users and authenticated commands', () => {
  it('adds a user offline, lists it, and the CLI then authenticates with SLUICE_PASSWORD', async () => {
    const dataDir = await tempDir();
    const outputs: string[] = [];
    const add = await sluice(['users', 'add', 'admin', '--data-dir', dataDir], {
      env: { SLUICE_NEW_PASSWORD: PASSWORD },
    });
    outputs.push(add.stdout, add.stderr);
    expect(add.code, add.stderr).toBe(0);
    expect(add.stdout).toBe('created user admin (User:admin) with SCRAM-SHA-256 and SCRAM-SHA-512 credentials\n');
    const noPassword = await sluice(['users', 'add', 'bob', '--data-dir', dataDir], {
      env: { SLUICE_NEW_PASSWORD: '' },
    });
    expect(noPassword.code).toBe(2);
    expect(noPassword.stderr).toMatch(/no new password: set SLUICE_NEW_PASSWORD or pass --new-password-file/);
    const list = await sluice(['users', 'list', '--data-dir', dataDir, '--format', 'json']);
    outputs.push(list.stdout, list.stderr);
    expect(JSON.parse(list.stdout)).toMatchObject({ name: 'admin' });
    expect(await readFile(usersFilePath(dataDir), 'utf8')).not.toContain(PASSWORD);

    const logs = new LogCapture();
    const b = await startBroker({ dataDir, logger: logs.logger, security: { authentication: true } });
    try {
      const busy = await sluice(['users', 'add', 'carol', '--data-dir', dataDir], {
        env: { SLUICE_NEW_PASSWORD: 'x' },
      });
      expect(busy.code).toBe(1);
      expect(busy.stderr).toMatch(/is in use by a running broker: stop it first/);
      const auth = ['-b', `127.0.0.1:${b.port}`, '--sasl-mechanism', 'scram-sha-512', '--username', 'admin'];
      const created = await sluice(['topics', 'create', 'secure-cli', ...auth], { env: { SLUICE_PASSWORD: PASSWORD } });
      outputs.push(created.stdout, created.stderr);
      expect(created.code, created.stderr).toBe(0);
      const wrong = await sluice(['topics', 'list', ...auth], { env: { SLUICE_PASSWORD: `${PASSWORD}-wrong` } });
      outputs.push(wrong.stdout, wrong.stderr);
      expect(wrong.code).not.toBe(0);
      expect(wrong.stderr).toMatch(/invalid credentials/);
      const anonymous = await sluice(['topics', 'list', '-b', `127.0.0.1:${b.port}`]);
      expect(anonymous.code).not.toBe(0);
      expect(anonymous.stderr).toMatch(/requires authentication/);
    } finally {
      await b.stop();
    }
    for (const text of [...outputs, JSON.stringify(logs.lines)]) expect(text).not.toContain(PASSWORD);
  }, 120_000);
});
