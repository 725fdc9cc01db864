// Runs in every test file (vitest setupFiles): once the file's own afterAll hooks are done, any broker, etcd
// or CLI child it left running (a test that timed out before its cleanup) is killed, so none outlives the run.
// Test files share worker processes: a server the file left listening in this process (an in-process broker,
// an HTTP server) would keep running under the files after it, so it is named here.
import { afterAll, beforeAll } from 'vitest';
import { killTrackedChildren } from '../helpers/child-reaper.js';

const listening = () => process.getActiveResourcesInfo().filter((r) => r === 'TCPServerWrap').length;
let listeningBefore = 0;

beforeAll(() => {
  listeningBefore = listening();
});

afterAll(async () => {
  const killed = await killTrackedChildren();
  if (killed > 0) console.warn(`killed ${killed} child process(es) this test file left running`);
  const left = listening() - listeningBefore;
  if (left > 0) console.warn(`this test file left ${left} server(s) listening in the shared worker process`);
});
