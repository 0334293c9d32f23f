import { Readable } from 'node:stream';
import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { AppError, RECORDING_ID } from '../../../core/index.js';
import type { Services } from '../../../archive/index.js';
import { deepLink, thumbnailUrl } from '../../../retrieval/index.js';
import type { AppEnv } from '../app.js';
import { ErrorBody, RecordingId } from '../schemas.js';

/*
 * A video's keyframes (src/ingest/video):
 *   GET /v1/recordings/{id}/frames          the list: time, on-screen text, deep link, thumbnail URL
 *   GET /v1/recordings/{id}/frames/{n}.jpg  the thumbnail (a 302 to a presigned URL with S3 storage)
 * Read like the recording itself (the reader role, or public with AUTH_PUBLIC_READ).
 */

export const FrameSchema = z
  .object({
    n: z.number().int().openapi({ description: 'Position of the keyframe, from 0' }),
    at: z.number().openapi({ description: 'Time of the frame (seconds)' }),
    text: z.string().openapi({ description: "The text read off the frame ('' when none was kept)" }),
    url: z.string().openapi({ description: 'Deep link that opens the player at the frame: /r/<id>?t=<seconds>' }),
    thumbnail_url: z.string().openapi({ description: 'The JPEG thumbnail (about 320 px wide)' }),
  })
  .openapi('Frame');

export const FramesResponse = z.object({ recording_id: z.string(), frames: z.array(FrameSchema) }).openapi('Frames');

const list = createRoute({
  method: 'get',
  path: '/v1/recordings/{id}/frames',
  summary: "A video's keyframes (scene changes) with their on-screen text, in time order; empty for audio and transcripts",
  request: { params: RecordingId },
  responses: {
    200: { content: { 'application/json': { schema: FramesResponse } }, description: 'The keyframes' },
    404: { content: { 'application/json': { schema: ErrorBody } }, description: 'No such recording' },
  },
});

const THUMB = /^(\d{1,6})\.jpg$/;

export function registerFrames(app: OpenAPIHono<AppEnv>, s: Services): void {
  app.openapi(list, async (c) => {
    const { id } = c.req.valid('param');
    if (!(await s.archive.get(id))) throw new AppError('not_found', `no recording "${id}"`);
    const frames = await s.archive.frames(id);
    return c.json(
      { recording_id: id, frames: frames.map((f) => ({ n: f.n, at: f.at, text: f.text, url: deepLink(id, f.at), thumbnail_url: thumbnailUrl(id, f.n) })) },
      200,
    );
  });

  app.get('/v1/recordings/:id/frames/:file', async (c) => {
    const id = c.req.param('id');
    const m = THUMB.exec(c.req.param('file'));
    if (!RECORDING_ID.test(id) || !m) throw new AppError('not_found', `no such frame of recording "${id}"`);
    const frame = (await s.archive.frames(id)).find((f) => f.n === Number(m[1]));
    if (!frame) throw new AppError('not_found', `recording "${id}" has no frame ${m[1]}`);
    // A thumbnail key belongs to one ingest of the recording and is never rewritten: it can be cached.
    c.header('Cache-Control', 'private, max-age=86400');
    const presigned = await s.blobs.presignGet(frame.thumbKey, { expiresS: 3600 });
    if (presigned) return c.redirect(presigned, 302);
    const st = await s.blobs.stat(frame.thumbKey);
    if (!st) throw new AppError('not_found', `the thumbnail of frame ${frame.n} of recording "${id}" is missing from storage`);
    const etag = `"${frame.thumbKey.replace(/[^\w.-]/g, '_')}"`;
    c.header('ETag', etag);
    if (c.req.header('if-none-match') === etag) return c.body(null, 304);
    c.header('Content-Type', 'image/jpeg');
    c.header('Content-Length', String(st.size));
    c.header('X-Content-Type-Options', 'nosniff');
    return c.body(Readable.toWeb(await s.blobs.get(frame.thumbKey)) as unknown as ReadableStream, 200);
  });

  app.openAPIRegistry.registerPath({
    method: 'get',
    path: '/v1/recordings/{id}/frames/{n}.jpg',
    summary: "A keyframe's JPEG thumbnail",
    request: { params: z.object({ id: z.string().openapi({ param: { name: 'id', in: 'path' } }), n: z.string().openapi({ param: { name: 'n', in: 'path' } }) }) },
    responses: {
      200: { content: { 'image/jpeg': { schema: z.string().openapi({ format: 'binary' }) } }, description: 'The thumbnail' },
      302: { description: 'S3 storage: a presigned URL to the thumbnail' },
      404: { content: { 'application/json': { schema: ErrorBody } }, description: 'No such recording or frame' },
    },
  });
}
