// Sluice's WebSocket client for browsers (served at /ws/client.js):
//   import { connect } from '/ws/client.js';
//   const sluice = await connect();                                        // ws(s)://<this host>/ws
//   await sluice.subscribe(['orders'], { group: 'web' }, (record) => console.log(record.value));
//   await sluice.produce('orders', [{ key: 'o-1', value: { total: 12 } }]);
//   await sluice.commit(record);                                           // group members: up to this record
//   await sluice.subscribe(['jobs'], { shareGroup: 'workers' }, async (job) => {   // a queue (share group)
//     try { await work(job.value.data); await job.ack(); } catch (e) { await job.fail(e.message); }
//   });
// Share-group records carry deliveryAttempt (1 on the first delivery) and settle with ack(), release() (back
// now, the attempt not counted), reject(reason) (to the dead-letter topic now), fail(error) (retried after
// the group's backoff) or renew() (keep the lock longer); unanswered past the lock timeout, they come back.
// Keys and values given as strings are sent as text, anything else as JSON; records arrive with key and
// value decoded ({ type, data }: data is parsed JSON, text, or base64 for binary) and headers as strings.
// subscribe(topics, { format: 'binary' }, …) has records come as binary frames: record.value is then a
// Uint8Array of the stored bytes (null for a null value), with no base64 or JSON on the way.

function typed(value) {
  if (value === undefined || value === null) return null;
  return typeof value === 'string' ? { type: 'STRING', data: value } : { type: 'JSON', data: value };
}

/**
 * The base64 of `text` encoded as UTF-8, as the console's base64.js does (this file is served alone at
 * /ws/client.js, so it cannot import that one). TextEncoder never throws: a lone surrogate becomes U+FFFD.
 */
function base64OfText(text) {
  let binary = '';
  for (const byte of new TextEncoder().encode(text)) binary += String.fromCharCode(byte);
  return btoa(binary);
}

function headerText(value) {
  if (value === null) return null;
  const raw = atob(value);
  const bytes = new Uint8Array(raw.length);
  for (let i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
  return new TextDecoder().decode(bytes);
}

/** A binary record frame: u32 (big-endian) header length, the JSON header, then the value's bytes. */
function binaryRecord(buffer) {
  const length = new DataView(buffer).getUint32(0);
  const header = JSON.parse(new TextDecoder().decode(new Uint8Array(buffer, 4, length)));
  const { value_size: size, ...record } = header;
  return { ...record, value: size < 0 ? null : new Uint8Array(buffer, 4 + length, size) };
}

export class SluiceSocket {
  #ws;
  #nextId = 1;
  #pending = new Map();
  #onRecord = () => {};

  constructor(ws) {
    this.#ws = ws;
    ws.binaryType = 'arraybuffer';
    ws.addEventListener('message', (event) =>
      this.#receive(typeof event.data === 'string' ? JSON.parse(event.data) : binaryRecord(event.data)),
    );
    ws.addEventListener('close', (event) => {
      for (const { reject } of this.#pending.values()) reject(new Error(`closed (${event.code}) ${event.reason}`));
      this.#pending.clear();
    });
  }

  /**
   * Subscribes (replacing any earlier subscription). options: { group, from: 'earliest'|'latest'|offset,
   * autoCommit, format: 'json'|'binary' }, or { shareGroup, maxInFlight (default 10), from: 'earliest'|'latest',
   * and the group settings an SDK share consumer declares: lockTimeoutMs, retry: { maxAttempts, backoff },
   * deadLetterTopic }.
   */
  subscribe(topics, options, onRecord) {
    this.#onRecord = onRecord;
    return this.#call({ op: 'subscribe', topics, ...options });
  }

  unsubscribe() {
    return this.#call({ op: 'unsubscribe' });
  }

  /** Authenticates (or renews before the token expires) with a JWT; resolves with the principal. */
  async authenticate(token) {
    return (await this.#call({ op: 'auth', token })).principal;
  }

  /** records: [{ key?, value, headers?: { name: string }, partition? }]; resolves with [{ partition, offset }]. */
  async produce(topic, records) {
    const answer = await this.#call({
      op: 'produce',
      topic,
      records: records.map((r) => ({
        partition_id: r.partition,
        key: typed(r.key),
        value: typed(r.value),
        headers: Object.entries(r.headers ?? {}).map(([name, v]) => ({ name, value: base64OfText(v) })),
      })),
    });
    return answer.results;
  }

  /** Share groups: settles a record this subscription received (also record.ack() and the others). */
  ack(record) {
    return this.#settle('ack', record);
  }

  release(record) {
    return this.#settle('release', record);
  }

  reject(record, reason) {
    return this.#settle('reject', record, reason);
  }

  fail(record, error) {
    return this.#settle('fail', record, error);
  }

  renew(record) {
    return this.#settle('renew', record);
  }

  #settle(op, record, error) {
    const message = { op, topic: record.topic, partition: record.partition, offset: record.offset };
    if (error !== undefined) message.error = error instanceof Error ? error.message : String(error);
    return this.#call(message);
  }

  /** Commits the group's position past `record` (a record this subscription received). */
  commit(record) {
    return this.#call({ op: 'commit', topic: record.topic, partition: record.partition, offset: record.offset + 1 });
  }

  close() {
    this.#ws.close(1000, 'client closed');
  }

  #call(message) {
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.#ws.send(JSON.stringify({ ...message, id }));
    });
  }

  #receive(message) {
    if (message.type === 'record') {
      const headers = {};
      for (const h of message.headers) headers[h.name] = headerText(h.value);
      const { delivery_attempt: deliveryAttempt, ...fields } = message;
      const record = { ...fields, headers };
      if (deliveryAttempt !== undefined) {
        record.deliveryAttempt = deliveryAttempt;
        record.ack = () => this.ack(record);
        record.release = () => this.release(record);
        record.reject = (reason) => this.reject(record, reason);
        record.fail = (error) => this.fail(record, error);
        record.renew = () => this.renew(record);
      }
      this.#onRecord(record);
      return;
    }
    const pending = this.#pending.get(message.id);
    if (!pending) return;
    this.#pending.delete(message.id);
    if (message.type === 'error') pending.reject(new Error(message.message));
    else pending.resolve(message);
  }
}

/**
 * Opens a socket to `url` (default: this page's host, /ws). `options.token`: a JWT for a broker with
 * authentication on, sent as the first message (never in the URL, which servers and proxies log).
 */
export async function connect(url, options = {}) {
  const target = url ?? `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`;
  const ws = new WebSocket(target);
  const socket = await new Promise((resolve, reject) => {
    ws.addEventListener('open', () => resolve(new SluiceSocket(ws)), { once: true });
    ws.addEventListener('error', () => reject(new Error(`cannot connect to ${target}`)), { once: true });
  });
  if (options.token) await socket.authenticate(options.token);
  return socket;
}
