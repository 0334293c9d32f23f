import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { AppError } from '../../../core/index.js';
import type { Services } from '../../../archive/index.js';
import { deepLink } from '../../../retrieval/index.js';
import type { AppEnv } from '../app.js';
import { ErrorBody, RecordingId } from '../schemas.js';

export const ChapterSchema = z
  .object({
    n: z.number().int().openapi({ description: 'Position of the chapter, from 1' }),
    start: z.number(),
    end: z.number(),
    title: z.string().openapi({ example: 'Remote Control, Buttons, Battery' }),
    keywords: z.array(z.string()),
    url: z.string().openapi({ description: 'Deep link that opens the recording at the chapter: /r/<id>?t=<seconds>' }),
  })
  .openapi('Chapter');

export const ChaptersResponse = z.object({ recording_id: z.string(), chapters: z.array(ChapterSchema) }).openapi('Chapters');

const list = createRoute({
  method: 'get',
  path: '/v1/recordings/{id}/chapters',
  summary: 'Chapters of a recording: topic segments with short keyword titles, in order (empty until it is indexed)',
  request: { params: RecordingId },
  responses: {
    200: { content: { 'application/json': { schema: ChaptersResponse } }, description: 'The chapters' },
    404: { content: { 'application/json': { schema: ErrorBody } }, description: 'No such recording' },
  },
});

export function registerChapters(app: OpenAPIHono<AppEnv>, s: Services): void {
  const store = s.chapters;
  app.openapi(list, async (c) => {
    const { id } = c.req.valid('param');
    const rec = await s.archive.get(id);
    if (!rec) throw new AppError('not_found', `no recording "${id}"`);
    const chapters = await store.list(id);
    return c.json(
      {
        recording_id: id,
        chapters: chapters.map((ch, i) => ({ n: i + 1, start: ch.start, end: ch.end, title: ch.title, keywords: ch.keywords, url: deepLink(id, ch.start) })),
      },
      200,
    );
  });
}
