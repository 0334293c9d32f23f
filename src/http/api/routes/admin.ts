import { PassThrough, Readable } from 'node:stream';
import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { writeBackup, type Services } from '../../../archive/index.js';
import { AppError } from '../../../core/index.js';
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

  app.post('/v1/admin/backup', async (c) => {
    if (s.cfg.DATABASE_URL) {
      throw new AppError('bad_request', 'the archive is on a Postgres server: back it up with pg_dump and the media with your storage tools (README "Backup and restore")');
    }
    const actor = actorOf(c.get('apiKey'));
    const log = c.get('log');
    const body = new PassThrough();
    // Streamed as it is written; a failure part way aborts the response, so a client never keeps a short file as whole.
    void writeBackup(s, body).then(
      async (m) => {
        log.info({ counts: m.counts }, 'backup sent');
        await s.keys.audit(actor, 'archive.backup', null, m.counts).catch((err: unknown) => log.warn({ err }, 'backup: no audit entry'));
      },
      (err: unknown) => log.error({ err }, 'backup failed part way'),
    );
    c.header('Content-Type', 'application/x-tar');
    c.header('Content-Disposition', `attachment; filename="speech-archive-${new Date().toISOString().slice(0, 10)}.tar"`);
    c.header('Cache-Control', 'no-store');
    return c.body(Readable.toWeb(body) as unknown as ReadableStream, 200);
  });
  app.openAPIRegistry.registerPath({
    method: 'post',
    path: '/v1/admin/backup',
    summary: 'A backup of the embedded archive, as a tar file (admin)',
    description:
      'Streams manifest.json (format version, created_at, counts), database.tar (the embedded database, copied between transactions while the service runs) and blobs/… (the media and thumbnails of the filesystem store). Restore it with `speech-archive restore <file>` into an empty DATA_DIR. A service on a Postgres server answers 400: use pg_dump.',
    security: [{ apiKey: [] }],
    responses: {
      200: { content: { 'application/x-tar': { schema: z.string().openapi({ format: 'binary' }) } }, description: 'The backup' },
      400: err('The archive is on a Postgres server'),
      401: err('No valid API key'),
      403: err('The key is not an admin key'),
    },
  });
}
