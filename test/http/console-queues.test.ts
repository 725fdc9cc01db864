// The console's queue pages in a real browser (Debian's chromium, headless): Queues, Dead letters and
// Activity load without console errors; a DLQ requeue through the page (with its confirmation) moves the
// records back once; a page consuming through a share group with /ws/client.js acks records and gets a
// failed one back on its next attempt. Screenshots go to test/artifacts/.
import { describe, expect, it } from 'vitest';
import { useConsoleFixture } from '../helpers/browser.js';
import { call } from './helpers.js';

const fixture = useConsoleFixture();

async function produce(topic: string, values: string[]) {
  const producer = fixture.sluice.producer();
  await producer.connect();
  await producer.send({ topic, messages: values.map((value, i) => ({ key: `k${i}`, value, partition: 0 })) });
  await producer.disconnect();
}

async function until<T>(read: () => Promise<T>, ok: (value: T) => boolean, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (ok(value)) return value;
    if (Date.now() > deadline) throw new Error(`condition not met in time; last: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('console: queues, dead letters, activity', () => {
  it('shows share groups and dead letters, requeues them with a confirmation, and the activity log live', async () => {
    const { b, browser, sluice } = fixture;
    const admin = sluice.admin();
    await admin.connect();
    await admin.createTopics({
      topics: [
        { topic: 'jobs', numPartitions: 1 },
        { topic: 'jobs.dlq', numPartitions: 1 },
      ],
    });
    await produce('jobs', ['ok-1', 'bad-1', 'ok-2', 'bad-2']);
    const worker = sluice.shareConsumer({ groupId: 'mailers', maxInFlight: 4 });
    await worker.connect();
    await worker.subscribe({ topics: ['jobs'], fromBeginning: true });
    await worker.run({
      eachMessage: async ({ message }) => {
        if (message.value?.toString().startsWith('bad')) message.reject('malformed address');
      },
    });
    await until(
      () => call(b, 'GET', `${b.cluster}/dlqs`),
      (r) => r.body.data?.[0]?.records === 2,
    );
    const { page } = browser;

    await page.goto(`${b.url}/#/queues`);
    await page.getByTestId('share-groups').getByRole('link', { name: 'mailers' }).click();
    await page.getByTestId('queue-state').filter({ hasText: 'Stable' }).waitFor();
    await page.getByTestId('queue-partitions').getByText('jobs').waitFor();
    await page.getByTestId('queue-members').getByText('jobs').waitFor();
    await browser.screenshot('console-queue-detail');
    await worker.disconnect();

    await page.click('text=Dead letters');
    await page.getByTestId('dlqs').getByRole('link', { name: 'jobs.dlq' }).click();
    const letters = page.getByTestId('dead-letters');
    await letters.getByText('malformed address').first().waitFor();
    expect(await letters.locator('tr').count()).toBe(3);
    await expect.poll(() => letters.textContent()).toContain('bad-2');
    await browser.screenshot('console-dead-letters');

    await page.click('button:has-text("Requeue…")');
    await page.getByTestId('requeue-confirm').filter({ hasText: '2 record(s) would be requeued' }).waitFor();
    await page.click('button:has-text("Confirm requeue")');
    await page.getByTestId('requeue-result').filter({ hasText: '2 record(s) requeued' }).waitFor();
    await browser.screenshot('console-dead-letters-requeued');
    const back = await call(b, 'GET', `${b.cluster}/topics/jobs/partitions/0/records?offset=4`);
    expect(back.body.data.map((r: { value: { data: string } }) => r.value.data)).toEqual(['bad-1', 'bad-2']);
    expect(back.body.data[0].headers.map((h: { name: string }) => h.name)).toContain('sluice-requeued-from');
    // Moved once: asking again finds nothing left to move.
    await page.click('button:has-text("Requeue…")');
    await page.getByTestId('requeue-confirm').filter({ hasText: '0 record(s) would be requeued' }).waitFor();
    expect(await page.locator('button:has-text("Confirm requeue")').isDisabled()).toBe(true);
    await page.click('button:has-text("Cancel")');

    await page.click('text=Activity');
    const activity = page.getByTestId('activity');
    await activity.getByText('topic:jobs.dlq').waitFor();
    await page.fill('input[name="activity-type"]', 'topic.');
    await page.click('button:has-text("Filter")');
    await activity.getByText('topic:jobs', { exact: true }).waitFor();
    await admin.createTopics({ topics: [{ topic: 'created-while-watching' }] });
    await activity.getByText('topic:created-while-watching').waitFor();
    expect(await activity.getByText('broker.started').count()).toBe(0);
    await browser.screenshot('console-activity');
    await admin.disconnect();

    expect(browser.errors).toEqual([]);
  });

  it('a page consumes through a share group with /ws/client.js: acks, and a failed record comes back', async () => {
    const { b, browser } = fixture;
    await call(b, 'POST', `${b.cluster}/topics`, { topic_name: 'tasks', partitions_count: 1 });
    await produce('tasks', ['first', 'retry-me', 'last']);
    const { page } = browser;
    await page.goto(`${b.url}/`);
    await page.evaluate(`(async () => {
      const { connect } = await import('/ws/client.js');
      const sluice = await connect();
      window.received = [];
      await sluice.subscribe(['tasks'], { shareGroup: 'browser-workers', from: 'earliest' }, async (record) => {
        window.received.push({ value: record.value.data, attempt: record.deliveryAttempt });
        if (record.value.data === 'retry-me' && record.deliveryAttempt === 1) await record.fail('try again');
        else await record.ack();
      });
    })()`);
    await page.waitForFunction("window.received.some((r) => r.value === 'retry-me' && r.attempt === 2)", undefined, {
      timeout: 60_000,
    });
    const received = (await page.evaluate('window.received')) as Array<{ value: string; attempt: number }>;
    expect(received.filter((r) => r.value !== 'retry-me')).toEqual([
      { value: 'first', attempt: 1 },
      { value: 'last', attempt: 1 },
    ]);
    expect(received.filter((r) => r.value === 'retry-me')).toEqual([
      { value: 'retry-me', attempt: 1 },
      { value: 'retry-me', attempt: 2 },
    ]);
    // Everything settled: nothing available, in flight or waiting in the group.
    const settled = await until(
      () => call(b, 'GET', `${b.cluster}/share-groups/browser-workers`),
      (r) => r.body.partitions?.[0]?.acquired === 0 && r.body.partitions[0].waiting_for_retry === 0,
    );
    expect(settled.body.partitions[0]).toMatchObject({ available: 0, log_end_offset: 3 });
    await page.goto(`${b.url}/#/queues/browser-workers`);
    await page.getByTestId('queue-partitions').getByText('tasks').waitFor();
    await browser.screenshot('console-queue-browser-member');
    expect(browser.errors).toEqual([]);
  });
});
