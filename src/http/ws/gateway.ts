// The WebSocket gateway at /ws (@fastify/websocket) and its browser client at /ws/client.js. Each socket
// is one WsSession (session.ts); closing the HTTP server closes every socket (the plugin's preClose).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import websocket from '@fastify/websocket';
import type { FastifyInstance } from 'fastify';
import { CONSOLE_DIR } from '../console-dir.js';
import type { HttpCore } from '../core.js';
import type { HttpConfig } from '../options.js';
import type { QueuesCore } from '../queues-core.js';
import type { PartitionTails } from './partition-tails.js';
import { WsSession } from './session.js';
import { WsAuth, type WsGate } from './ws-auth.js';

const CLOSE_GOING_AWAY = 1001;

const CLIENT = join(CONSOLE_DIR, 'ws-client.js');

export async function websocketRoutes(
  app: FastifyInstance,
  core: HttpCore,
  queues: QueuesCore,
  config: HttpConfig,
  tails: PartitionTails,
  onConnection: (delta: 1 | -1) => void,
  /** null: authentication off. */
  gate: WsGate | null = null,
): Promise<void> {
  await app.register(websocket, { options: { maxPayload: config.bodyLimit } });
  const client = readFileSync(CLIENT);
  app.get('/ws/client.js', { schema: { hide: true } }, async (_request, reply) =>
    reply.type('text/javascript; charset=utf-8').send(client),
  );
  const sessions = new Set<WsSession>();
  // Before the server closes: every subscription stops reading and every client is told why (1001).
  app.addHook('preClose', async () => {
    await Promise.all([...sessions].map((session) => session.close(CLOSE_GOING_AWAY, 'broker shutting down')));
  });
  app.get('/ws', { websocket: true, schema: { hide: true } }, (socket, request) => {
    onConnection(1);
    const auth = new WsAuth(gate, request, (code, reason) => socket.close(code, reason));
    const session = new WsSession(socket, core, queues, tails, config, auth, request.ip);
    sessions.add(session);
    socket.on('close', () => {
      onConnection(-1);
      sessions.delete(session);
      void session.close();
    });
  });
}
