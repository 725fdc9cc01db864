// Runs in every test file (vitest setupFiles): once the file's own afterAll hooks are done, any broker, etcd
// or CLI child it left running (a test that timed out before its cleanup) is killed, so none outlives the run.
import { afterAll } from 'vitest';
import { killTrackedChildren } from '../helpers/child-reaper.js';

afterAll(async () => {
  const killed = await killTrackedChildren();
  if (killed > 0) console.warn(`killed ${killed} child process(es) this test file left running`);
});
