import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { noNul, AppError } from '../../../core/index.js';
import type { Services } from '../../../archive/index.js';
import { contentTypeFor, exportTranscript } from '../../../ingest/index.js';
import type { AppEnv } from '../app.js';
import { ErrorBody, RecordingId, RecordingSchema } from '../schemas.js';
import { withMediaUrl } from './media.js';

const notFound = { content: { 'application/json': { schema: ErrorBody } }, description: 'No such recording' };

const list = createRoute({
  method: 'get',
  path: '/v1/recordings',
  summary: 'List recordings',
  request: {
    query: z.object({
      limit: z.coerce.number().int().min(1).max(500).default(50),
      offset: z.coerce.number().int().min(0).default(0),
      collection: z.string().max(200).refine(...noNul).optional(),
      q: z.string().max(200).refine(...noNul).optional(),
    }),
  },
  responses: {
    200: {
      content: { 'application/json': { schema: z.object({ total: z.number(), items: z.array(RecordingSchema) }) } },
      description: 'A page of recordings ordered by recording date',
    },
  },
});

const get = createRoute({
  method: 'get',
  path: '/v1/recordings/{id}',
  summary: 'One recording with its speakers and moment count',
  request: { params: RecordingId },
  responses: { 200: { content: { 'application/json': { schema: RecordingSchema } }, description: 'The recording' }, 404: notFound },
});

const transcript = createRoute({
  method: 'get',
  path: '/v1/recordings/{id}/transcript',
  summary: 'The transcript with speakers (and words when known) as JSON, WebVTT, SRT or plain text',
  request: { params: RecordingId, query: z.object({ format: z.enum(['json', 'vtt', 'srt', 'txt']).default('json') }) },
  responses: { 200: { content: { 'text/plain': { schema: z.string() } }, description: 'The transcript' }, 404: notFound },
});

const collections = createRoute({
  method: 'get',
  path: '/v1/collections',
  summary: 'Every collection in the archive with its number of recordings, by name (for a collection filter)',
  responses: {
    200: {
      content: { 'application/json': { schema: z.object({ items: z.array(z.object({ name: z.string(), recordings: z.number().int() })) }) } },
      description: 'Collections and their recordings (of any status)',
    },
  },
});

export function registerRecordings(app: OpenAPIHono<AppEnv>, s: Services): void {
  app.openapi(collections, async (c) => c.json({ items: await s.archive.collections() }, 200));

  app.openapi(list, async (c) => {
    const q = c.req.valid('query');
    const page = await s.archive.list(q);
    return c.json({ ...page, items: page.items.map(withMediaUrl) }, 200);
  });

  app.openapi(get, async (c) => {
    const rec = await s.archive.get(c.req.valid('param').id);
    if (!rec) throw new AppError('not_found', `no recording "${c.req.valid('param').id}"`);
    return c.json(withMediaUrl(rec), 200);
  });

  app.openapi(transcript, async (c) => {
    const { id } = c.req.valid('param');
    const { format } = c.req.valid('query');
    const rec = await s.archive.get(id);
    if (!rec) throw new AppError('not_found', `no recording "${id}"`);
    const body = exportTranscript(format, await s.archive.segments(id), { id: rec.id, title: rec.title });
    c.header('Content-Type', contentTypeFor(format));
    if (format !== 'json') c.header('Content-Disposition', `inline; filename="${id}.${format}"`);
    // The route declares text, but the body is JSON, VTT, SRT or text by `format`; the header says which.
    return c.body(body, 200) as never;
  });
}
