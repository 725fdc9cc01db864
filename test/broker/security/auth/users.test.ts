// The users store: salted keys only, durable, reloaded, and refusing what it must.
import { readFile } from 'node:fs/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { nodeFs } from '../../../../storage/index.js';
import { UserStore, usersFilePath } from '../../../../src/broker/security/auth/users.js';
import { MIN_SCRAM_ITERATIONS } from '../../../../src/protocol/sasl/scram.js';
import { removeTempDirs, tempDir } from '../../../helpers/temp-dir.js';

afterAll(removeTempDirs);

describe('users store', () => {
  it('keeps salt, iterations, StoredKey and ServerKey for both mechanisms, never the password', async () => {
    const dir = await tempDir();
    const store = await UserStore.open(nodeFs, dir);
    await store.add('alice', 'correct horse battery staple');
    const text = await readFile(usersFilePath(dir), 'utf8');
    expect(text).not.toContain('correct horse');
    const file = JSON.parse(text);
    for (const mechanism of ['SCRAM-SHA-256', 'SCRAM-SHA-512']) {
      const c = file.users.alice[mechanism];
      expect(Object.keys(c).sort()).toEqual(['iterations', 'salt', 'serverKey', 'storedKey']);
      expect(c.iterations).toBeGreaterThanOrEqual(MIN_SCRAM_ITERATIONS);
    }
    const reopened = await UserStore.open(nodeFs, dir);
    expect(reopened.list()).toEqual([
      {
        name: 'alice',
        mechanisms: [
          { mechanism: 'SCRAM-SHA-256', iterations: 8192 },
          { mechanism: 'SCRAM-SHA-512', iterations: 8192 },
        ],
      },
    ]);
    expect(reopened.credential('alice', 'SCRAM-SHA-256')?.salt).toEqual(
      store.credential('alice', 'SCRAM-SHA-256')?.salt,
    );
  });

  it('refuses a duplicate, a missing user, an empty password, fewer than 4096 iterations', async () => {
    const store = await UserStore.open(nodeFs, await tempDir());
    await store.add('bob', 'pw');
    await expect(store.add('bob', 'pw2')).rejects.toMatchObject({ code: 'USER_EXISTS' });
    await expect(store.delete('carol')).rejects.toMatchObject({ code: 'USER_NOT_FOUND' });
    await expect(store.setPassword('carol', 'x')).rejects.toMatchObject({ code: 'USER_NOT_FOUND' });
    await expect(store.add('dave', '')).rejects.toMatchObject({ code: 'INVALID_USER' });
    await expect(store.add('bad\nname', 'x')).rejects.toMatchObject({ code: 'INVALID_USER' });
    await expect(store.add('erin', 'x', 1000)).rejects.toThrow(/at least 4096/);
    const salt = store.credential('bob', 'SCRAM-SHA-512')!.salt;
    await store.setPassword('bob', 'new');
    expect(store.credential('bob', 'SCRAM-SHA-512')!.salt).not.toEqual(salt);
    await store.delete('bob');
    expect(store.list()).toEqual([]);
  });
});
