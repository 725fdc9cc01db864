// Other sites' pages in the browser of the broker's machine: a default broker (loopback, no --auth) refuses
// their WebSocket upgrades and requests (Origin) and rebound host names (Host), while the door's own pages,
// clients without an Origin (curl, SDKs) and the origins listed in http.allowedOrigins get through.
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { HttpConfigError, resolveHttpConfig } from '../../src/http/index.js';
import { makeTestKeys } from '../helpers/jwt.js';
import { removeTempDirs } from '../helpers/temp-dir.js';
import { call, startHttpBroker, type HttpBroker } from './helpers.js';

let b: HttpBroker | undefined;
afterEach(async () => b?.stop());
afterAll(removeTempDirs);

const EVIL = 'http://evil.example';

/** A WebSocket to /ws with these upgrade headers: open, or the status of the refused upgrade. */
function openWs(b: HttpBroker, headers: Record<string, string>): Promise<WebSocket | number> {
  const ws = new WebSocket(`${b.url.replace('http', 'ws')}/ws`, { headers });
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_request, response) => {
      resolve(response.statusCode ?? 0);
      ws.terminate();
    });
    ws.once('error', reject);
  });
}

/** The first message of `type` on `ws`. */
function nextOf(ws: WebSocket, type: string): Promise<Record<string, any>> {
  return new Promise((resolve) => {
    const onMessage = (data: Buffer) => {
      const message = JSON.parse(data.toString());
      if (message.type !== type) return;
      ws.off('message', onMessage);
      resolve(message);
    };
    ws.on('message', onMessage);
  });
}

/** A request with exactly these headers (fetch cannot set Host): status and parsed body. */
function send(
  b: HttpBroker,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: unknown,
): Promise<{ status: number; body: any }> {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  const json = payload === undefined ? {} : { 'content-type': 'application/json' };
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${b.url}${path}`, { method, headers: { ...json, ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString();
        resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : null });
      });
    });
    req.on('error', reject);
    req.end(payload);
  });
}

describe('HTTP door: Origin', () => {
  it('refuses a WebSocket upgrade from another site, and lets the same origin and origin-less clients in', async () => {
    b = await startHttpBroker();
    await call(b, 'POST', `${b.cluster}/topics/secrets/records`, { value: { data: 'the recipe' } });

    expect(await openWs(b, { origin: EVIL })).toBe(403);
    // Rebinding evil.example to 127.0.0.1 makes the page same-origin with the Host it sends: the Host check.
    const port = new URL(b.url).port;
    expect(await openWs(b, { origin: `${EVIL}:${port}`, host: `evil.example:${port}` })).toBe(403);

    const welcome: Array<Record<string, string>> = [
      { origin: b.url },
      { origin: `http://localhost:${port}`, host: `localhost:${port}` },
      {},
    ];
    for (const headers of welcome) {
      const ws = await openWs(b, headers);
      if (typeof ws === 'number') throw new Error(`upgrade with ${JSON.stringify(headers)} refused: ${ws}`);
      const record = nextOf(ws, 'record');
      ws.send(JSON.stringify({ op: 'subscribe', topics: ['secrets'], from: 'earliest' }));
      expect((await record).value.data).toBe('the recipe');
      ws.close();
    }
  });

  it('answers a refused upgrade in HTTP and closes its socket (403 here, 401 from authentication)', async () => {
    const keys = makeTestKeys();
    b = await startHttpBroker({ security: { authentication: true, jwt: { key: keys.rsa.publicPem } } });
    const refused = async (headers: string): Promise<string> => {
      const socket = connect(Number(new URL(b!.url).port), '127.0.0.1');
      const chunks: Buffer[] = [];
      socket.on('data', (chunk: Buffer) => chunks.push(chunk));
      const closed = new Promise((resolve) => socket.once('close', resolve));
      socket.write(
        `GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\n${headers}Upgrade: websocket\r\nConnection: Upgrade\r\n` +
          'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
      );
      await closed;
      return Buffer.concat(chunks).toString();
    };
    const foreign = await refused(`Origin: ${EVIL}\r\n`);
    expect(foreign).toMatch(/^HTTP\/1\.1 403 /);
    expect(foreign).toContain('cross-origin request refused: Origin http://evil.example');
    expect(await refused('Authorization: Bearer not-a-token\r\n')).toMatch(/^HTTP\/1\.1 401 /);
  });

  it('refuses requests from another site (creating, deleting, reading) and serves its own pages and curl', async () => {
    b = await startHttpBroker();
    const topics = `${b.cluster}/topics`;
    const created = await send(b, 'POST', topics, { origin: EVIL }, { topic_name: 'orders', partitions_count: 1 });
    expect(created).toEqual({
      status: 403,
      body: { error_code: 403, message: expect.stringContaining('Origin http://evil.example is not') },
    });
    expect((await call(b, 'GET', `${topics}/orders`)).status).toBe(404);

    // The console's own requests carry its origin; curl and the SDKs send none.
    expect(
      (await send(b, 'POST', topics, { origin: b.url }, { topic_name: 'orders', partitions_count: 1 })).status,
    ).toBe(201);
    expect((await send(b, 'POST', `${topics}/orders/records`, {}, { value: { data: 1 } })).status).toBe(200);

    expect((await send(b, 'DELETE', `${topics}/orders`, { origin: EVIL })).status).toBe(403);
    const read = `${topics}/orders/partitions/0/records?offset=0`;
    expect((await send(b, 'GET', read, { origin: EVIL })).status).toBe(403);
    expect((await send(b, 'GET', read, { origin: 'null' })).status).toBe(403);
    const own = await send(b, 'GET', read, { origin: b.url });
    expect(own.status).toBe(200);
    expect(own.body.data).toHaveLength(1);
    expect((await send(b, 'DELETE', `${topics}/orders`, { origin: b.url })).status).toBe(204);
  });
});

describe('HTTP door: Host on a loopback-bound door', () => {
  it('answers to localhost, 127.0.0.1 and [::1] with or without the port, and refuses other names', async () => {
    b = await startHttpBroker();
    const port = new URL(b.url).port;
    for (const host of ['localhost', `localhost:${port}`, '127.0.0.1', `127.0.0.1:${port}`, `[::1]:${port}`]) {
      expect({ host, status: (await send(b, 'GET', '/v3/clusters', { host })).status }).toEqual({ host, status: 200 });
    }
    for (const host of [`evil.example:${port}`, 'evil.example', `localhost.evil.example:${port}`]) {
      const refused = await send(b, 'GET', '/v3/clusters', { host });
      expect({ host, status: refused.status }).toEqual({ host, status: 403 });
      expect(refused.body.message).toContain('is not a name of this broker');
    }
  });

  it('lets the pages of http.allowedOrigins in, by their origin and by their host name', async () => {
    b = await startHttpBroker({}, { allowedOrigins: ['HTTP://App.Example:3000/'] });
    expect(b.http.config.allowedOrigins).toEqual(['http://app.example:3000']);
    const ws = await openWs(b, { origin: 'http://app.example:3000' });
    expect(ws).toBeInstanceOf(WebSocket);
    (ws as WebSocket).close();
    expect(await openWs(b, { origin: 'http://app.example:4000' })).toBe(403);
    const port = new URL(b.url).port;
    const proxied = await send(b, 'GET', '/v3/clusters', {
      host: `app.example:${port}`,
      origin: 'http://app.example:3000',
    });
    expect(proxied.status).toBe(200);
    expect((await send(b, 'GET', '/v3/clusters', { host: `other.example:${port}` })).status).toBe(403);
  });

  it('leaves Host alone on a door bound to every interface (protected mode asks for --auth there)', async () => {
    b = await startHttpBroker({ host: '0.0.0.0', security: { insecureAllowAnonymous: true } });
    const port = new URL(b.url).port;
    expect((await send(b, 'GET', '/v3/clusters', { host: `broker.example:${port}` })).status).toBe(200);
    expect((await send(b, 'GET', '/v3/clusters', { host: `broker.example:${port}`, origin: EVIL })).status).toBe(403);
  });
});

describe('protected mode for the HTTP door', () => {
  it('refuses an HTTP door on every interface beside a loopback broker without authentication', async () => {
    const refused = await startHttpBroker({}, { host: '0.0.0.0' }).then(
      (started) => {
        b = started;
        return null;
      },
      (error: unknown) => error,
    );
    expect(refused).toBeInstanceOf(HttpConfigError);
    expect((refused as Error).message).toContain('refusing to listen on 0.0.0.0 without authentication');
    b = await startHttpBroker({ security: { insecureAllowAnonymous: true } }, { host: '0.0.0.0' });
    expect((await call(b, 'GET', '/readyz')).status).toBe(200);
  });
});

describe('http.allowedOrigins', () => {
  it('takes origins only, each written as browsers send it', () => {
    expect(
      resolveHttpConfig({ allowedOrigins: ['https://a.example:443', 'http://[::1]:3000'] }).allowedOrigins,
    ).toEqual(['https://a.example', 'http://[::1]:3000']);
    for (const bad of ['https://a.example/app', 'a.example', 'ws://a.example', 'https://u:p@a.example', 'null']) {
      expect(() => resolveHttpConfig({ allowedOrigins: [bad] }), bad).toThrow(HttpConfigError);
    }
    expect(() => resolveHttpConfig({ allowedOrigins: 'https://a.example' as never })).toThrow(/list of origins/);
  });
});
