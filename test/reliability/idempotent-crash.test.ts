// SIGKILL of a real `sluice serve` while an idempotent SDK producer pipelines into it. Requests in
// flight at the kill may have been written (the page cache survives a process crash) without their
// answer ever leaving the broker; the producer retries them after the restart with their original
// sequences, and the restarted broker — its producer state rebuilt from the snapshot and the batch
// headers — must recognise them. Every acknowledged record is then present exactly once, in order.
import { afterAll, describe, expect, it } from 'vitest';
import { logLevel, Sluice } from '../../src/client/index.js';
import { createTopic, readAll, values } from '../helpers/broker.js';
import { stablePort } from '../helpers/free-port.js';
import { startSluice, type SluiceProcess } from '../helpers/sluice-process.js';
import { removeTempDirs, tempDir } from '../helpers/temp-dir.js';
import { elapse, waitFor } from '../helpers/wait-for.js';
import { WireClient } from '../helpers/wire-client.js';

afterAll(removeTempDirs);

describe('crash: SIGKILL under an idempotent producer', () => {
  it('after the restart the producer retries, and every record is stored exactly once, in send order', async () => {
    const dataDir = await tempDir('sluice-idem-crash-');
    const port = await stablePort();
    const args = ['--data-dir', dataDir, '--port', String(port), '--flush', 'always'];
    let proc: SluiceProcess = await startSluice(args);
    const admin = await WireClient.connect(port);
    expect((await createTopic(admin, 'idem', 1)).errorCode).toBe(0);
    admin.destroy();

    // Short request timeout, long first backoff: see the choreography below.
    const sluice = new Sluice({
      brokers: [`127.0.0.1:${port}`],
      logLevel: logLevel.NOTHING,
      requestTimeout: 150,
      retry: { retries: 200, initialRetryTime: 300, maxRetryTime: 600 },
    });
    const producer = sluice.producer();
    await producer.connect();
    const count = 8000;
    const acked: number[] = [];
    const sends: Array<Promise<unknown>> = [];
    let crashed: Promise<void> | undefined;
    for (let i = 0; i < count; i += 4) {
      const messages = [0, 1, 2, 3].map((k) => ({ value: `r${i + k}` }));
      sends.push(producer.send({ topic: 'idem', messages }).then(() => acked.push(i)));
      // A steady stream, at most ~400 records unacknowledged, so requests are always in flight.
      await waitFor(() => i - acked.length * 4 <= 400 || acked.length * 4 >= count / 3, {
        timeoutMs: 30_000,
        intervalMs: 1,
        message: 'room for more unacknowledged records',
      });
      if (!crashed && acked.length * 4 >= count / 4) {
        // Freeze the broker with requests in flight: the producer times them out (150 ms) and schedules
        // retries 300 ms later. Thaw it: it writes those requests and answers into the void. Kill it
        // before the retries arrive and restart it: the retries of batches already in the log reach a
        // broker that knows them only from its rebuilt producer state.
        crashed = (async () => {
          proc.child.kill('SIGSTOP');
          await elapse(250, 'frozen past the 150 ms request timeout');
          proc.child.kill('SIGCONT');
          await elapse(80, 'thawed long enough to answer, killed before the retries 300 ms later');
          await proc.kill('SIGKILL');
          proc = await startSluice(args);
        })();
      }
    }
    await crashed;
    await Promise.all(sends);
    expect(producer.isIdempotent()).toBe(true);
    expect(acked.length).toBe(count / 4);
    await producer.disconnect();

    const reader = await WireClient.connect(port);
    try {
      const stored = await readAll(reader, 'idem', 0);
      expect(stored.length).toBe(count);
      expect(values(stored)).toEqual(Array.from({ length: count }, (_, i) => `r${i}`));
    } finally {
      reader.destroy();
      await proc.kill('SIGTERM');
    }
  }, 60_000);
});
