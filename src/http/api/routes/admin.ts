import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import type { Services } from '../../../archive/index.js';
import { purgeRecording } from '../../../ingest/index.js';
import type { AppEnv } from '../app.js';
import { ErrorBody, RecordingId } from '../schemas.js';

const err = (description: string) => ({ content: { 'application/json': { schema: ErrorBody } }, description });

const remove = createRoute({
  method: 'delete',
  path: '/v1/recordings/{id}',
  summary: 'Delete a recording from every store (admin)',
  description:
    'Removes the recording from the lexical and vector indexes, its media and artefacts from storage (media shared with another recording is kept), its rows, and every cached result; writes an audit entry.',
  security: [{ apiKey: [] }],
  request: { params: RecordingId },
  responses: {
    200: {
      content: { 'application/json': { schema: z.object({ deleted: z.string(), moments: z.number(), media: z.array(z.string()) }) } },
      description: 'What was removed',
    },
    401: err('No valid API key'),
    403: err('The key is not an admin key'),
    404: err('No such recording'),
  },
});

const audit = createRoute({
  method: 'get',
  path: '/v1/audit',
  summary: 'The audit log, newest first (admin)',
  security: [{ apiKey: [] }],
  request: { query: z.object({ limit: z.coerce.number().int().min(1).max(1000).default(100) }) },
  responses: {
    200: {
      content: {
        'application/json': {
          schema: z.object({
            items: z.array(z.object({ at: z.string(), actor: z.string(), action: z.string(), target: z.string().nullable(), details: z.unknown() })),
          }),
        },
      },
      description: 'Audit entries',
    },
    401: err('No valid API key'),
    403: err('The key is not an admin key'),
  },
});

/** Who did it, for the audit log: the key's name and id, or "anonymous" when the policy let a keyless request through. */
export const actorOf = (key: { id: string; name: string } | null | undefined) => (key ? `key:${key.id} (${key.name})` : 'anonymous');

export function registerAdmin(app: OpenAPIHono<AppEnv>, s: Services): void {
  app.openapi(remove, async (c) => {
    const r = await purgeRecording(s, c.req.valid('param').id, actorOf(c.get('apiKey')));
    c.get('log').info({ recording: r.id, moments: r.moments, media: r.media }, 'recording deleted');
    return c.json({ deleted: r.id, moments: r.moments, media: r.media }, 200);
  });
  app.openapi(audit, async (c) => c.json({ items: await s.keys.auditLog(c.req.valid('query').limit) }, 200));
}
