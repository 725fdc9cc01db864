// The web console at `/`: static files from src/http/console/ (copied to dist/ by the build) and the
// browser builds of Preact, htm and uPlot taken from this package's own dependencies, so nothing is
// fetched from a CDN and users run no build step.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import { CONSOLE_DIR } from './console-dir.js';

/** URL name → [package entry to resolve, file beside it]. */
const VENDOR: Record<string, [string, string]> = {
  'preact.module.js': ['preact', 'preact.module.js'],
  'hooks.module.js': ['preact/hooks', 'hooks.module.js'],
  'htm.module.js': ['htm', 'htm.module.js'],
  'uPlot.esm.js': ['uplot', 'uPlot.esm.js'],
  'uPlot.min.css': ['uplot', 'uPlot.min.css'],
};

function vendorFiles(): Map<string, { body: Buffer; type: string }> {
  const require = createRequire(import.meta.url);
  const files = new Map<string, { body: Buffer; type: string }>();
  for (const [name, [entry, file]] of Object.entries(VENDOR)) {
    const body = readFileSync(join(dirname(require.resolve(entry)), file));
    files.set(name, {
      body,
      type: name.endsWith('.css') ? 'text/css; charset=utf-8' : 'text/javascript; charset=utf-8',
    });
  }
  return files;
}

export async function consoleRoutes(app: FastifyInstance): Promise<void> {
  const vendor = vendorFiles();
  const index = readFileSync(join(CONSOLE_DIR, 'index.html'));
  await app.register(fastifyStatic, { root: CONSOLE_DIR, prefix: '/console/', decorateReply: false, index: false });
  app.get('/', { schema: { hide: true } }, async (_request, reply) =>
    reply.type('text/html; charset=utf-8').send(index),
  );
  app.get<{ Params: { name: string } }>('/console/vendor/:name', { schema: { hide: true } }, async (request, reply) => {
    const file = vendor.get(request.params.name);
    if (!file) return reply.code(404).send({ error_code: 404, message: `no vendor file ${request.params.name}` });
    return reply.type(file.type).header('cache-control', 'public, max-age=3600').send(file.body);
  });
}
