// Queues over HTTP: a WebSocket client consuming through a share group (ack, release, fail, reject, each
// record with its delivery attempt), the share-group and DLQ REST routes (describe, peek, requeue moving
// each record once, as `sluice dlq requeue` does), their /metrics series, and the activity log route.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { sdkClient } from '../client/helpers.js';
import { removeTempDirs } from '../helpers/temp-dir.js';
import { call, startHttpBroker, type HttpBroker } from './helpers.js';

let b: HttpBroker | undefined;
afterEach(async () => {
  await b?.stop();
  b = undefined;
});
afterAll(removeTempDirs);

type Message = Record<string, any>;

async function open(url: string) {
  const ws = new WebSocket(`${url.replace('http', 'ws')}/ws`);
  const messages: Message[] = [];
  ws.on('message', (data, isBinary) => {
    if (!isBinary) messages.push(JSON.parse(data.toString()));
  });
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  let nextId = 1;
  const next = async (predicate: (m: Message) => boolean, timeoutMs = 30_000): Promise<Message> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const i = messages.findIndex(predicate);
      if (i >= 0) return messages.splice(i, 1)[0]!;
      if (Date.now() > deadline) throw new Error(`no such message; last: ${JSON.stringify(messages.slice(-3))}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };
  /** Sends `message` with an id and waits for the answer carrying it. */
  const ask = async (message: object): Promise<Message> => {
    const id = nextId++;
    ws.send(JSON.stringify({ ...message, id }));
    return next((m) => m.id === id);
  };
  return { ws, messages, next, ask };
}

async function until<T>(read: () => Promise<T>, ok: (value: T) => boolean, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (ok(value)) return value;
    if (Date.now() > deadline) throw new Error(`condition not met in time; last: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const text = (data: string) => ({ type: 'STRING', data });

describe('queues over HTTP', () => {
  it('a WebSocket share-group member gets records with their attempt, and ack, release, fail and reject settle them', async () => {
    b = await startHttpBroker();
    const cluster = b.cluster;
    await call(b, 'POST', `${cluster}/topics`, { topic_name: 'jobs', partitions_count: 1 });
    await call(b, 'POST', `${cluster}/topics`, { topic_name: 'jobs.dlq', partitions_count: 1 });
    const produced = await call(b, 'POST', `${cluster}/topics/jobs/records:batch`, {
      entries: ['a', 'b', 'c', 'd'].map((v, i) => ({ id: String(i), value: text(v) })),
    });
    expect(produced.status).toBe(200);

    const worker = await open(b.url);
    expect(
      (await worker.ask({ op: 'subscribe', topics: ['jobs'], shareGroup: 'workers', from: 'earliest', maxInFlight: 4 }))
        .type,
    ).toBe('subscribed');
    const first = await Promise.all([0, 1, 2, 3].map((o) => worker.next((m) => m.type === 'record' && m.offset === o)));
    expect(first.map((r) => [r.value.data, r.delivery_attempt])).toEqual([
      ['a', 1],
      ['b', 1],
      ['c', 1],
      ['d', 1],
    ]);

    // Describe while all four are held by the member.
    const held = await call(b, 'GET', `${cluster}/share-groups/workers`);
    expect(held.status).toBe(200);
    expect(held.body.state).toBe('Stable');
    expect(held.body.members).toHaveLength(1);
    expect(held.body.partitions[0]).toMatchObject({ topic_name: 'jobs', partition_id: 0, acquired: 4, available: 0 });
    expect(held.body.partitions[0].delivery_counts).toEqual([{ delivery_count: 1, records: 4 }]);
    expect(held.body.partitions[0].oldest_age_ms).toBeGreaterThanOrEqual(0);
    const listed = await call(b, 'GET', `${cluster}/share-groups`);
    expect(listed.body.data).toEqual([expect.objectContaining({ share_group_id: 'workers', members_count: 1 })]);

    const settle = (op: string, offset: number, error?: string) =>
      worker.ask({ op, topic: 'jobs', partition: 0, offset, ...(error ? { error } : {}) });
    expect((await settle('ack', 0)).type).toBe('settled');
    expect((await settle('release', 1)).type).toBe('settled');
    expect((await settle('fail', 2, 'timeout talking to the mailer')).type).toBe('settled');
    expect((await settle('reject', 3, 'malformed')).type).toBe('settled');
    // Settled once: a second answer is refused, and the socket stays usable.
    const again = await settle('ack', 0);
    expect(again).toMatchObject({ type: 'error', error_code: 409 });

    // Released: back at once, the attempt not counted. Failed: back after the backoff, attempt 2.
    const released = await worker.next((m) => m.type === 'record' && m.offset === 1);
    expect(released.delivery_attempt).toBe(1);
    const retried = await worker.next((m) => m.type === 'record' && m.offset === 2);
    expect(retried.delivery_attempt).toBe(2);
    await settle('ack', 1);
    await settle('ack', 2);

    // Rejected: in jobs.dlq with its failure headers.
    const dlqs = await until(
      () => call(b!, 'GET', `${cluster}/dlqs`),
      (r) => r.body.data?.[0]?.records === 1,
    );
    expect(dlqs.body.data).toEqual([
      expect.objectContaining({ topic_name: 'jobs.dlq', partitions_count: 1, records: 1, not_requeued: 1 }),
    ]);
    const peek = await call(b, 'GET', `${cluster}/dlqs/jobs.dlq/records?partition_id=0`);
    expect(peek.body.data).toHaveLength(1);
    expect(peek.body.data[0].value.data).toBe('d');
    expect(peek.body.data[0].failure).toMatchObject({
      source_topic: 'jobs',
      source_partition: 0,
      source_offset: 3,
      group: 'workers',
      attempts: 1,
      error: 'malformed',
    });
    expect(peek.body.data[0].requeued).toBe(false);

    const metrics = (await call(b, 'GET', '/metrics')).body as string;
    expect(metrics).toContain('sluice_dlq_records{topic="jobs.dlq"} 1');
    expect(metrics).toMatch(/sluice_share_group_in_flight_records\{group="workers",topic="jobs",partition="0"\} \d/);
    expect(metrics).toMatch(/sluice_share_group_available_records\{group="workers",topic="jobs",partition="0"\} \d/);
    expect(metrics).toMatch(
      /sluice_share_group_waiting_retry_records\{group="workers",topic="jobs",partition="0"\} \d/,
    );

    // Requeue: a dry run moves nothing; the real one moves the record once, back to attempt 1.
    const dry = await call(b, 'POST', `${cluster}/dlqs/jobs.dlq/records:requeue`, { dry_run: true });
    expect(dry.body).toMatchObject({ dry_run: true, requeued: 1, problems: [] });
    const moved = await call(b, 'POST', `${cluster}/dlqs/jobs.dlq/records:requeue`, {});
    expect(moved.body).toMatchObject({
      requeued: 1,
      by_source: [{ source_topic: 'jobs', target_topic: 'jobs', records: 1 }],
    });
    const internal = await call(b, 'POST', `${cluster}/dlqs/jobs.dlq/records:requeue`, { to: '__consumer_offsets' });
    expect(internal.status).toBe(400);
    expect(internal.body.message).toMatch(/internal topic/);
    const badName = await call(b, 'POST', `${cluster}/dlqs/jobs.dlq/records:requeue`, { to: '../x' });
    expect(badName.status).toBe(400);
    expect(badName.body.message).toMatch(/not a topic name/);
    const twice = await call(b, 'POST', `${cluster}/dlqs/jobs.dlq/records:requeue`, {});
    expect(twice.body).toMatchObject({ requeued: 0, problems: [] });
    const back = await worker.next((m) => m.type === 'record' && m.offset === 4);
    expect(back.value.data).toBe('d');
    expect(back.delivery_attempt).toBe(1);
    expect(back.headers.map((h: { name: string }) => h.name)).toContain('sluice-requeued-from');
    expect(back.headers.map((h: { name: string }) => h.name)).not.toContain('sluice-dlq-error');
    await settle('ack', 4);
    const after = await call(b, 'GET', `${cluster}/dlqs`);
    expect(after.body.data[0].not_requeued).toBe(0);
    // The progress is the CLI's: committed offsets of the group sluice-dlq-requeue.
    const admin = sdkClient(b.broker.port).admin();
    await admin.connect();
    const offsets = await admin.fetchOffsets({ groupId: 'sluice-dlq-requeue', topics: ['jobs.dlq'] });
    await admin.disconnect();
    expect(offsets[0]!.partitions[0]!.offset).toBe('1');

    // A group with a member cannot be deleted; once the socket leaves it can.
    const busy = await call(b, 'DELETE', `${cluster}/share-groups/workers`);
    expect(busy.status).toBe(409);
    expect((await worker.ask({ op: 'unsubscribe' })).type).toBe('unsubscribed');
    const reset = await call(b, 'POST', `${cluster}/share-groups/workers/offsets:reset`, {
      topic_name: 'jobs',
      to: 'latest',
    });
    expect(reset.body.data).toEqual([{ partition_id: 0, start_offset: 5 }]);
    expect((await call(b, 'DELETE', `${cluster}/share-groups/workers`)).status).toBe(204);
    expect((await call(b, 'GET', `${cluster}/share-groups/workers`)).status).toBe(404);
    worker.ws.close();
  });

  it('a WebSocket share-group member sets the group settings as an SDK member does: lock timeout, retry, dead-letter topic', async () => {
    b = await startHttpBroker();
    const cluster = b.cluster;
    await call(b, 'POST', `${cluster}/topics`, { topic_name: 'mail', partitions_count: 1 });
    await call(b, 'POST', `${cluster}/topics`, { topic_name: 'mail-dead', partitions_count: 1 });
    await call(b, 'POST', `${cluster}/topics/mail/records:batch`, { entries: [{ id: '0', value: text('hello') }] });

    const worker = await open(b.url);
    const subscribed = await worker.ask({
      op: 'subscribe',
      topics: ['mail'],
      shareGroup: 'mailers',
      from: 'earliest',
      lockTimeoutMs: 2000,
      retry: { maxAttempts: 2, backoff: { type: 'fixed', initialMs: 100 } },
      deadLetterTopic: 'mail-dead',
    });
    expect(subscribed.type).toBe('subscribed');
    const described = await call(b, 'GET', `${cluster}/share-groups/mailers`);
    expect(described.body.config).toMatchObject({
      lock_timeout_ms: 2000,
      max_attempts: 2,
      backoff: { type: 'fixed', initialMs: 100 },
      dead_letter_topic: 'mail-dead',
    });

    // Two attempts, then the dead-letter topic the member named (not mail.dlq).
    const first = await worker.next((m) => m.type === 'record' && m.offset === 0);
    expect(first.delivery_attempt).toBe(1);
    const fail = () => worker.ask({ op: 'fail', topic: 'mail', partition: 0, offset: 0, error: 'smtp down' });
    expect((await fail()).type).toBe('settled');
    const second = await worker.next((m) => m.type === 'record' && m.offset === 0);
    expect(second.delivery_attempt).toBe(2);
    expect((await fail()).type).toBe('settled');
    const dead = await until(
      () => call(b!, 'GET', `${cluster}/dlqs/mail-dead/records?partition_id=0`),
      (r) => r.body.data?.length === 1,
    );
    expect(dead.body.data[0].value.data).toBe('hello');
    expect(dead.body.data[0].failure).toMatchObject({ source_topic: 'mail', attempts: 2, error: 'smtp down' });
    // /metrics counts the dead-letter topic the group named, not only those named <topic>.dlq.
    const metrics = (await call(b, 'GET', '/metrics')).body as string;
    expect(metrics).toContain('sluice_dlq_records{topic="mail-dead"} 1');
    worker.ws.close();

    // Bad settings are refused with 400 and join nothing: a wrong type here, a range from the coordinator.
    const client = await open(b.url);
    const subscribe = (extra: object) =>
      client.ask({ op: 'subscribe', topics: ['mail'], shareGroup: 'other', from: 'earliest', ...extra });
    expect(await subscribe({ lockTimeoutMs: 'long' })).toMatchObject({ type: 'error', error_code: 400 });
    expect(await subscribe({ lockTimeoutMs: 5 })).toMatchObject({ type: 'error', error_code: 400 });
    expect(await subscribe({ retry: { backoff: { type: 'linear' } } })).toMatchObject({
      type: 'error',
      error_code: 400,
    });
    expect(await subscribe({ deadLetterTopic: '__consumer_offsets' })).toMatchObject({
      type: 'error',
      error_code: 400,
    });
    const withoutShareGroup = await client.ask({ op: 'subscribe', topics: ['mail'], lockTimeoutMs: 2000 });
    expect(withoutShareGroup).toMatchObject({ type: 'error', error_code: 400 });
    expect((await call(b, 'GET', `${cluster}/share-groups/other`)).status).toBe(404);
    client.ws.close();
  });

  it('refuses bad share subscriptions, settles without one, and requeues to a missing topic', async () => {
    b = await startHttpBroker();
    const cluster = b.cluster;
    await call(b, 'POST', `${cluster}/topics`, { topic_name: 'jobs', partitions_count: 1 });
    const client = await open(b.url);
    const both = await client.ask({ op: 'subscribe', topics: ['jobs'], shareGroup: 'w', group: 'g' });
    expect(both).toMatchObject({ type: 'error', error_code: 400 });
    const badInFlight = await client.ask({ op: 'subscribe', topics: ['jobs'], shareGroup: 'w', maxInFlight: 0 });
    expect(badInFlight).toMatchObject({ type: 'error', error_code: 400 });
    const byOffset = await client.ask({ op: 'subscribe', topics: ['jobs'], shareGroup: 'w', from: 3 });
    expect(byOffset).toMatchObject({ type: 'error', error_code: 400 });
    const noSubscription = await client.ask({ op: 'ack', topic: 'jobs', partition: 0, offset: 0 });
    expect(noSubscription).toMatchObject({ type: 'error', error_code: 409 });
    client.ws.close();

    expect((await call(b, 'POST', `${cluster}/dlqs/nope.dlq/records:requeue`, {})).status).toBe(404);
    // No body at all is a requeue with the defaults (curl -XPOST …).
    const bare = await call(b, 'POST', `${cluster}/dlqs/jobs/records:requeue`);
    expect(bare.status).toBe(200);
    expect(bare.body).toMatchObject({ requeued: 0, dry_run: false });
    expect((await call(b, 'POST', `${cluster}/dlqs/jobs/records:requeue`, { to: 'jobs' })).status).toBe(400);
    expect((await call(b, 'GET', `${cluster}/share-groups/nobody`)).status).toBe(404);
  });

  it('reads the activity log: the tail, what came after an offset, filtered by type and principal', async () => {
    b = await startHttpBroker();
    const admin = sdkClient(b.broker.port).admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'audited-1' }, { topic: 'audited-2' }] });
    await admin.disconnect();
    const created = await until(
      () => call(b!, 'GET', `${b!.cluster}/activity?type=topic.created`),
      (r) => r.body.data?.length === 2,
    );
    expect(created.body.data.map((e: Message) => e.resource)).toEqual(['topic:audited-1', 'topic:audited-2']);
    expect(created.body.data[0]).toMatchObject({ type: 'topic.created', outcome: 'success' });
    const principal = created.body.data[0].principal as string;
    const byPrincipal = await call(b, 'GET', `${b.cluster}/activity?principal=${encodeURIComponent(principal)}`);
    expect(byPrincipal.body.data.every((e: Message) => e.principal === principal)).toBe(true);
    expect(byPrincipal.body.data.length).toBeGreaterThanOrEqual(2);
    const none = await call(b, 'GET', `${b.cluster}/activity?principal=User:nobody`);
    expect(none.body.data).toEqual([]);
    // Live view: after the last offset seen, only newer events.
    const last = created.body.last_offset as number;
    const admin2 = sdkClient(b.broker.port).admin();
    await admin2.connect();
    await admin2.createTopics({ topics: [{ topic: 'audited-3' }] });
    await admin2.disconnect();
    const newer = await until(
      () => call(b!, 'GET', `${b!.cluster}/activity?type=topic.&after_offset=${last}`),
      (r) => r.body.data?.length === 1,
    );
    expect(newer.body.data[0].resource).toBe('topic:audited-3');
    expect(newer.body.data[0].offset).toBeGreaterThan(last);
  });
});
