import { createHash, randomUUID } from 'node:crypto';
import path from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import busboy from 'busboy';
import type { Context } from 'hono';
import { z, type OpenAPIHono } from '@hono/zod-openapi';
import { probeMedia, tooLong, type MediaInfo, MEDIA_EXTENSIONS, refuseUnheardLanguage, submitMediaIngest, slugId } from '../../../ingest/index.js';
import { RECORDING_ID, type RecordingMeta, AppError, engineSettings } from '../../../core/index.js';
import { type Job, type Services, ChecksumTakenError, type StoredRecording } from '../../../archive/index.js';
import { contentTypeFor, extensionFor, mediaKey, mediaKeyOf, moveBlob } from '../../../platform/index.js';
import type { AppEnv, Runtime } from '../app.js';
import { blank, ErrorBody, JobSchema, RecordingMetaFields, RecordingSchema } from '../schemas.js';

/*
 * Media intake and serving:
 *   POST /v1/recordings                 multipart `file` (+ metadata), streamed to the blob store
 *   POST /v1/uploads                    a presigned S3 PUT for a large file (S3 storage only)
 *   POST /v1/uploads/{id}/complete      after the PUT: check the file, start the job
 *   GET  /v1/recordings/{id}/media      the file, with HTTP Range (filesystem) or a redirect to a presigned GET (S3)
 *
 * Both intake paths end in `acceptMedia`: the file is hashed (sha256) while it is stored under a temporary key,
 * a file already in the archive is answered with its recording (one recording per file), anything ffprobe
 * does not read as audio is refused and removed, and the rest moves to `media/<sha256>.<ext>`, becomes a
 * recording (status pending, `source` = that key, `checksum` = the sha256) and gets a processing job.
 */

const MiB = 1024 * 1024;
/** How long a presigned PUT (and a redirect's presigned GET) stays valid. */
const PRESIGN_PUT_S = 3600;
const PRESIGN_GET_S = 3600;

type MetaInput = z.infer<typeof RecordingMetaFields>;

const UploadRequest = RecordingMetaFields.extend({
  filename: z.string().trim().min(1, 'filename is required').max(255),
  content_type: z.preprocess(blank, z.string().trim().max(100).optional()),
  size: z.number().int().positive('size must be the file size in bytes'),
});

const issues = (e: z.ZodError) => e.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ');

/** The JSON of a recording with its media URL (null when it has no stored media). */
export function withMediaUrl<T extends StoredRecording>(rec: T): T & { media_url: string | null; media_type: string | null } {
  const key = mediaKeyOf(rec);
  return { ...rec, media_url: key ? `/v1/recordings/${encodeURIComponent(rec.id)}/media` : null, media_type: key ? contentTypeFor(key) : null };
}

const publicJob = (job: Job | null) => {
  if (!job) return null;
  const { payload: _payload, ...rest } = job;
  return rest;
};

/** One at a time per key (a sha256, an upload id): two uploads of one file at once still make one recording. */
const locks = new Map<string, Promise<unknown>>();
async function withLock<T>(key: string, fn: () => Promise<T>): Promise<T> {
  const prev = locks.get(key) ?? Promise.resolve();
  const run = prev.catch(() => {}).then(fn);
  locks.set(key, run);
  try {
    return await run;
  } finally {
    if (locks.get(key) === run) locks.delete(key);
  }
}

/** A completion claimed longer ago than this was left by a process that died; another may take it over. */
const UPLOAD_CLAIM_STALE_S = 600;

const tooLarge = (s: Services) => new AppError('payload_too_large', `upload over ${s.cfg.MAX_UPLOAD_MB} MB (MAX_UPLOAD_MB)`);

/** The extension a media blob is stored under: the file name's, else the Content-Type's, else ffprobe's format. */
function mediaExtension(filename: string, contentType: string | null | undefined, info?: MediaInfo): string {
  const byName = MEDIA_EXTENSIONS.exec(filename)?.[1];
  if (byName) return byName.toLowerCase();
  const byType = extensionFor(contentType);
  if (byType && MEDIA_EXTENSIONS.test(`.${byType}`)) return byType;
  const fmt = info?.format.split(',') ?? [];
  const known: Record<string, string> = { wav: 'wav', mp3: 'mp3', ogg: 'ogg', flac: 'flac', aac: 'aac', webm: 'webm', matroska: 'mkv', mov: info?.hasVideo ? 'mp4' : 'm4a' };
  for (const f of fmt) if (known[f]) return known[f];
  return 'bin';
}

interface Accepted {
  status: 200 | 202;
  body: { recording: ReturnType<typeof withMediaUrl>; job: ReturnType<typeof publicJob>; duplicate: boolean };
}

/**
 * A media file now stored under `tmpKey` (sha256 known) becomes a recording with a job — or, when the same file
 * is already in the archive, is dropped in favour of that recording. Removes `tmpKey` in every case.
 */
async function acceptMedia(
  s: Services,
  rt: Runtime,
  input: { tmpKey: string; sha256: string; filename: string; contentType: string | null; meta: MetaInput },
): Promise<Accepted> {
  return withLock(`sha:${input.sha256}`, async () => {
    try {
      const dupId = await s.archive.idWithChecksum(input.sha256);
      const dup = dupId ? await s.archive.get(dupId) : null;
      if (dup && dup.status !== 'failed' && mediaKeyOf(dup)) {
        return { status: 200, body: { recording: withMediaUrl(dup), job: publicJob(await latestJob(s, rt, dup.id)), duplicate: true } };
      }

      let info: MediaInfo;
      const local = await s.blobs.localFile(input.tmpKey);
      try {
        info = await probeMedia(local.path);
      } catch (err) {
        if (err instanceof AppError) {
          throw new AppError(err.code === 'not_found' ? 'unsupported_format' : err.code, `${input.filename}: ${err.message.replace(/^[^:]*: /, '')}`, err.details);
        }
        throw err;
      } finally {
        await local.release();
      }
      // Refused before it is kept: the temporary blob goes in `finally` below, and no recording or job exists yet.
      const maxS = s.cfg.MAX_MEDIA_HOURS * 3600;
      if (info.durationS > maxS) throw tooLong(input.filename, maxS, info.durationS);
      refuseUnheardLanguage({ asrEngine: engineSettings().ASR_ENGINE, language: input.meta.language ?? dup?.language ?? null });
      const key = mediaKey(input.sha256, mediaExtension(input.filename, input.contentType, info));
      if (await s.blobs.stat(key)) await s.blobs.delete(input.tmpKey);
      else await moveBlob(s.blobs, input.tmpKey, key);

      // The same file known without its media (a transcript-only recording with this checksum, a failed job): that recording gets the media and a job.
      const base = path.basename(input.filename).replace(/\.[^.]+$/, '') || 'recording';
      const m = input.meta;
      const meta: RecordingMeta = dup
        ? { id: dup.id, title: m.title ?? dup.title, recordedAt: m.recorded_at ?? dup.recordedAt, collection: m.collection ?? dup.collection, language: m.language ?? dup.language, source: key }
        : {
            id: m.id ?? slugId(m.title ?? base, input.sha256),
            title: m.title ?? base,
            recordedAt: m.recorded_at ?? null,
            collection: m.collection ?? null,
            language: m.language ?? null,
            source: key,
          };
      if (dup?.status === 'ready') {
        // Already transcribed from this very file: attach the media, nothing to redo.
        await s.archive.upsert(meta, { status: 'ready', checksum: input.sha256, durationS: info.durationS });
        return { status: 200, body: { recording: withMediaUrl((await s.archive.get(meta.id))!), job: null, duplicate: true } };
      }
      // A recording being replaced keeps serving its current content until the job's index stage swaps it.
      const current = dup ?? (await s.archive.get(meta.id));
      if (current?.status !== 'ready') {
        try {
          await s.archive.upsert(meta, { status: 'pending', checksum: input.sha256, durationS: info.durationS });
        } catch (err) {
          // Another process stored the same file meanwhile (the lock above is this process's only): answer with
          // its recording, as if the look-up had found it.
          if (!(err instanceof ChecksumTakenError) || !err.holder) throw err;
          return await alreadyStored(s, rt, err.holder, key);
        }
      }
      const job = await submitMediaIngest(s, rt, { blobKey: key, meta, sha256: input.sha256 });
      return { status: 202, body: { recording: withMediaUrl((await s.archive.get(meta.id))!), job: publicJob(job), duplicate: false } };
    } finally {
      await s.blobs.delete(input.tmpKey).catch(() => {});
    }
  });
}

/** The answer for a file that is already `holderId`'s; `key`, where this upload put it, goes unless it is in use. */
async function alreadyStored(s: Services, rt: Runtime, holderId: string, key: string): Promise<Accepted> {
  const holder = await s.archive.get(holderId);
  if (!holder) throw new AppError('conflict', `the same file was stored as recording "${holderId}" and removed meanwhile; send it again`);
  if (mediaKeyOf(holder) !== key) {
    if ((await s.archive.countWithSource(key)) === 0) await s.blobs.delete(key).catch(() => {});
  }
  return { status: 200, body: { recording: withMediaUrl(holder), job: publicJob(await latestJob(s, rt, holder.id)), duplicate: true } };
}

async function latestJob(s: Services, rt: Runtime, recordingId: string): Promise<Job | null> {
  const id = await s.jobs.latestIdFor(recordingId);
  return id ? rt.jobs.get(id) : null;
}

interface ReceivedFile {
  tmpKey: string;
  sha256: string;
  size: number;
  filename: string;
  contentType: string | null;
}

/**
 * Reads a multipart body as it arrives: fields are collected, the `file` part is piped straight into the blob
 * store (under a temporary key) and counted, so nothing holds the whole file and an upload over MAX_UPLOAD_MB
 * fails as soon as it crosses the limit.
 */
async function receiveMultipart(s: Services, req: Request): Promise<{ fields: Record<string, string>; file: ReceivedFile | null }> {
  const maxBytes = s.cfg.MAX_UPLOAD_MB * MiB;
  const fields: Record<string, string> = {};
  let received: Promise<{ file: ReceivedFile } | { error: unknown }> | null = null;
  let pass: PassThrough | null = null;
  let bb: busboy.Busboy;
  try {
    bb = busboy({
      headers: { 'content-type': req.headers.get('content-type') ?? '' },
      limits: { files: 1, fileSize: maxBytes, fields: 50, fieldSize: 64 * 1024, parts: 60 },
      defParamCharset: 'utf8',
    });
  } catch (err) {
    throw new AppError('bad_request', `cannot read the multipart body: ${(err as Error).message}`);
  }
  bb.on('field', (name, value) => {
    fields[name] = value;
  });
  bb.on('file', (name, stream, info) => {
    // A part's stream errors when the request does (client gone, malformed body): never unhandled.
    stream.on('error', () => {});
    if (name !== 'file' || received) {
      stream.resume();
      return;
    }
    const ext = MEDIA_EXTENSIONS.exec(info.filename ?? '')?.[1]?.toLowerCase() ?? 'bin';
    const tmpKey = `tmp/uploads/${randomUUID()}.${ext}`;
    const p = new PassThrough();
    pass = p;
    // Its errors reach us through the store's put (which may not be reading yet when one happens).
    p.on('error', () => {});
    stream.on('limit', () => p.destroy(tooLarge(s)));
    stream.on('error', (err) => p.destroy(err));
    // If the store stops reading (limit, storage error), the rest of the part is drained so parsing goes on.
    p.on('close', () => {
      stream.unpipe(p);
      stream.resume();
    });
    stream.pipe(p);
    received = s.blobs.put(tmpKey, p, { contentType: contentTypeFor(tmpKey) }).then(
      (r) => ({ file: { tmpKey, sha256: r.sha256, size: r.size, filename: info.filename || `upload.${ext}`, contentType: info.mimeType || null } }),
      (error: unknown) => ({ error }),
    );
  });
  try {
    await pipeline(Readable.fromWeb(req.body as unknown as NodeReadableStream<Uint8Array>), bb);
  } catch (err) {
    (pass as PassThrough | null)?.destroy(new Error('upload interrupted'));
    await received;
    if (err instanceof AppError) throw err;
    throw new AppError('bad_request', `cannot read the multipart body: ${(err as Error).message}`);
  }
  if (!received) return { fields, file: null };
  const out = await (received as Promise<{ file: ReceivedFile } | { error: unknown }>);
  if ('error' in out) throw out.error;
  if (out.file.size === 0) {
    await s.blobs.delete(out.file.tmpKey).catch(() => {});
    throw new AppError('unsupported_format', `${out.file.filename}: file is empty (0 bytes)`);
  }
  return { fields, file: out.file };
}

function parseMeta(fields: Record<string, unknown>): MetaInput {
  const meta = RecordingMetaFields.safeParse(fields);
  if (!meta.success) throw new AppError('bad_request', issues(meta.error));
  return meta.data;
}


/** `bytes=a-b`, `bytes=a-`, `bytes=-n` → the inclusive span; 'ignore' for what a server may ignore (several ranges, other units). */
export function parseRange(header: string | undefined, size: number): { start: number; end: number } | 'ignore' | 'unsatisfiable' {
  if (!header) return 'ignore';
  const m = /^\s*bytes\s*=\s*(.+)$/i.exec(header);
  if (!m) return 'ignore';
  if (m[1].includes(',')) return 'ignore';
  const r = /^\s*(\d*)\s*-\s*(\d*)\s*$/.exec(m[1]);
  if (!r || (r[1] === '' && r[2] === '')) return 'unsatisfiable';
  if (r[1] === '') {
    const n = Number(r[2]);
    if (n === 0 || size === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - n), end: size - 1 };
  }
  const start = Number(r[1]);
  const end = r[2] === '' ? size - 1 : Math.min(Number(r[2]), size - 1);
  if (r[2] !== '' && Number(r[2]) < start) return 'unsatisfiable';
  if (start >= size) return 'unsatisfiable';
  return { start, end };
}

const json = { 'application/json': { schema: ErrorBody } };
const AcceptedBody = z.object({ recording: RecordingSchema, job: JobSchema.nullable(), duplicate: z.boolean() });

export function registerMedia(app: OpenAPIHono<AppEnv>, s: Services, rt: Runtime): void {
  const uploads = s.uploads;
  app.post('/v1/recordings', async (c) => {
    const type = c.req.header('content-type') ?? '';
    if (!type.startsWith('multipart/form-data')) {
      throw new AppError('unsupported_format', 'send multipart/form-data with a `file` part (audio or video) and optional metadata fields');
    }
    // A declared length over the limit is refused before a byte is read; an undeclared one is counted as it streams.
    const declared = Number(c.req.header('content-length'));
    if (Number.isFinite(declared) && declared > s.cfg.MAX_UPLOAD_MB * MiB) throw tooLarge(s);
    if (!c.req.raw.body) throw new AppError('bad_request', 'empty request body: send a `file` part');
    const { fields, file } = await receiveMultipart(s, c.req.raw);
    if (!file) throw new AppError('bad_request', 'missing `file` part (an audio or video file)');
    let meta: MetaInput;
    try {
      meta = parseMeta(fields);
    } catch (err) {
      await s.blobs.delete(file.tmpKey).catch(() => {});
      throw err;
    }
    const out = await acceptMedia(s, rt, { tmpKey: file.tmpKey, sha256: file.sha256, filename: file.filename, contentType: file.contentType, meta });
    return c.json(out.body, out.status);
  });

  app.post('/v1/uploads', async (c) => {
    if (s.blobs.kind !== 's3') return notWithFs(c);
    let raw: unknown;
    try {
      raw = await c.req.json();
    } catch {
      throw new AppError('bad_request', 'send a JSON body: {"filename", "content_type", "size", ...metadata}');
    }
    const parsed = UploadRequest.safeParse(raw);
    if (!parsed.success) throw new AppError('bad_request', issues(parsed.error));
    const { filename, content_type: contentType, size, ...meta } = parsed.data;
    if (size > s.cfg.MAX_UPLOAD_MB * MiB) throw tooLarge(s);
    if (!MEDIA_EXTENSIONS.test(filename) && !/^(audio|video)\//i.test(contentType ?? '')) {
      throw new AppError('unsupported_format', `${filename}: not an audio or video file name or content type (${MEDIA_EXTENSIONS.source})`);
    }
    const id = randomUUID();
    const key = `uploads/${id}.${mediaExtension(filename, contentType)}`;
    const url = await s.blobs.presignPut(key, { expiresS: PRESIGN_PUT_S, contentType });
    if (!url) return notWithFs(c);
    const expiresAt = new Date(Date.now() + PRESIGN_PUT_S * 1000).toISOString();
    await uploads.create({ id, blobKey: key, filename, contentType: contentType ?? null, size, meta, expiresAt });
    return c.json(
      {
        upload_id: id,
        url,
        method: 'PUT' as const,
        headers: contentType ? { 'Content-Type': contentType } : {},
        expires_at: expiresAt,
        complete_url: `/v1/uploads/${id}/complete`,
      },
      201,
    );
  });

  app.post('/v1/uploads/:id/complete', async (c) => {
    const id = c.req.param('id');
    if (!/^[0-9a-f-]{36}$/i.test(id)) throw new AppError('not_found', `no upload "${id}"`);
    const claim = await uploads.claim(id, UPLOAD_CLAIM_STALE_S);
    if (claim.kind === 'missing') throw new AppError('not_found', `no upload "${id}"`);
    if (claim.kind === 'busy') throw new AppError('conflict', `upload "${id}" is being completed by another request; ask again in a moment`);
    if (claim.kind === 'completed') {
      const row = claim.upload;
      const rec = row.recording_id ? await s.archive.get(row.recording_id) : null;
      if (!rec) throw new AppError('not_found', `upload "${id}" was completed but its recording is gone`);
      const job = row.job_id ? await rt.jobs.get(row.job_id) : null;
      return c.json({ recording: withMediaUrl(rec), job: publicJob(job), duplicate: false }, 200);
    }
    const row = claim.upload;
    try {
      const st = await s.blobs.stat(row.blob_key);
      if (!st) throw new AppError('conflict', `nothing has been uploaded for "${id}" yet: PUT the file to the upload's url first`);
      if (st.size > s.cfg.MAX_UPLOAD_MB * MiB) {
        await s.blobs.delete(row.blob_key);
        throw tooLarge(s);
      }
      if (st.size === 0) {
        await s.blobs.delete(row.blob_key);
        throw new AppError('unsupported_format', `${row.filename}: file is empty (0 bytes)`);
      }
      // The sha256 of what the client actually sent, streamed from storage.
      const h = createHash('sha256');
      for await (const chunk of await s.blobs.get(row.blob_key)) h.update(chunk as Buffer);
      const sha256 = h.digest('hex');
      const meta = RecordingMetaFields.safeParse(row.meta ?? {});
      const out = await acceptMedia(s, rt, {
        tmpKey: row.blob_key,
        sha256,
        filename: row.filename,
        contentType: row.content_type,
        meta: meta.success ? meta.data : {},
      });
      await uploads.complete(id, out.body.recording.id, out.body.job?.id ?? null);
      return c.json(out.body, out.status);
    } catch (err) {
      // The client may fix what was wrong (PUT the file) and complete again.
      await uploads.release(id).catch(() => {});
      throw err;
    }
  });

  app.get('/v1/recordings/:id/media', async (c) => {
    const id = c.req.param('id');
    if (!RECORDING_ID.test(id)) throw new AppError('not_found', `no recording "${id}"`);
    const rec = await s.archive.get(id);
    if (!rec) throw new AppError('not_found', `no recording "${id}"`);
    const key = mediaKeyOf(rec);
    if (!key) throw new AppError('not_found', `recording "${id}" has no media (transcript only)`);
    const presigned = await s.blobs.presignGet(key, { expiresS: PRESIGN_GET_S });
    if (presigned) {
      c.header('Cache-Control', 'private, max-age=300');
      return c.redirect(presigned, 302);
    }
    const st = await s.blobs.stat(key);
    if (!st) throw new AppError('not_found', `the media of recording "${id}" is missing from storage`);
    const etag = `"${key.slice('media/'.length).replace(/\.[^.]+$/, '')}"`;
    c.header('Accept-Ranges', 'bytes');
    c.header('Content-Type', contentTypeFor(key));
    c.header('ETag', etag);
    c.header('Cache-Control', 'private, no-cache');
    c.header('X-Content-Type-Options', 'nosniff');
    const rangeHeader = c.req.header('range');
    const ifRange = c.req.header('if-range');
    const range = ifRange && ifRange !== etag ? 'ignore' : parseRange(rangeHeader, st.size);
    if (range === 'ignore' && c.req.header('if-none-match') === etag) return c.body(null, 304);
    if (range === 'unsatisfiable') {
      c.header('Content-Range', `bytes */${st.size}`);
      c.header('Content-Type', 'application/json');
      return c.json({ error: { code: 'range_not_satisfiable', message: `cannot serve ${rangeHeader} of a ${st.size}-byte file` } }, 416);
    }
    if (c.req.method === 'HEAD') {
      c.header('Content-Length', String(range === 'ignore' ? st.size : range.end - range.start + 1));
      if (range !== 'ignore') c.header('Content-Range', `bytes ${range.start}-${range.end}/${st.size}`);
      return c.body(null, range === 'ignore' ? 200 : 206);
    }
    const stream = await s.blobs.get(key, range === 'ignore' ? undefined : range);
    const body = Readable.toWeb(stream) as unknown as ReadableStream;
    if (range === 'ignore') {
      c.header('Content-Length', String(st.size));
      return c.body(body, 200);
    }
    c.header('Content-Length', String(range.end - range.start + 1));
    c.header('Content-Range', `bytes ${range.start}-${range.end}/${st.size}`);
    return c.body(body, 206);
  });

  const reg = app.openAPIRegistry;
  reg.registerPath({
    method: 'post',
    path: '/v1/recordings',
    summary: 'Upload an audio or video file to transcribe and index',
    description:
      'multipart/form-data with `file` (audio or video, up to MAX_UPLOAD_MB) and optional id, title, recorded_at, collection, ' +
      'language. The file is streamed to storage and checked with ffprobe. 202 with the recording (status pending) and the ' +
      'job that transcribes it; 200 with the existing recording when the same file (by sha256) is already in the archive.',
    request: { body: { content: { 'multipart/form-data': { schema: RecordingMetaFields.extend({ file: z.any() }) } } } },
    responses: {
      202: { content: { 'application/json': { schema: AcceptedBody } }, description: 'Stored; the job transcribes and indexes it' },
      200: { content: { 'application/json': { schema: AcceptedBody } }, description: 'The same file is already in the archive' },
      400: { content: json, description: 'Bad request' },
      413: { content: json, description: 'Over MAX_UPLOAD_MB, or longer than MAX_MEDIA_HOURS' },
      415: { content: json, description: 'Not an audio or video file ffprobe can read' },
    },
  });
  reg.registerPath({
    method: 'post',
    path: '/v1/uploads',
    summary: 'Start a direct upload: a presigned S3 PUT URL (S3 storage only)',
    description:
      'JSON {filename, content_type, size, id?, title?, recorded_at?, collection?, language?}. PUT the file to `url` with ' +
      '`headers`, then POST /v1/uploads/{upload_id}/complete. With filesystem storage: 501, use POST /v1/recordings.',
    request: { body: { content: { 'application/json': { schema: UploadRequest } } } },
    responses: {
      201: {
        content: {
          'application/json': {
            schema: z.object({
              upload_id: z.string(),
              url: z.string(),
              method: z.literal('PUT'),
              headers: z.record(z.string(), z.string()),
              expires_at: z.string(),
              complete_url: z.string(),
            }),
          },
        },
        description: 'Where to PUT the file',
      },
      400: { content: json, description: 'Bad request' },
      413: { content: json, description: 'Over MAX_UPLOAD_MB' },
      415: { content: json, description: 'Not an audio or video file' },
      501: { content: json, description: 'Storage is the filesystem: use POST /v1/recordings' },
    },
  });
  reg.registerPath({
    method: 'post',
    path: '/v1/uploads/{id}/complete',
    summary: 'Finish a direct upload: check the file and start its job',
    request: { params: z.object({ id: z.string().openapi({ param: { name: 'id', in: 'path' } }) }) },
    responses: {
      202: { content: { 'application/json': { schema: AcceptedBody } }, description: 'The job transcribes and indexes it' },
      200: { content: { 'application/json': { schema: AcceptedBody } }, description: 'Already in the archive (or completed before)' },
      404: { content: json, description: 'No such upload' },
      409: { content: json, description: 'The file has not been PUT yet, or another request is completing this upload' },
      413: { content: json, description: 'Over MAX_UPLOAD_MB, or longer than MAX_MEDIA_HOURS' },
      415: { content: json, description: 'Not an audio or video file ffprobe can read' },
    },
  });
  reg.registerPath({
    method: 'get',
    path: '/v1/recordings/{id}/media',
    summary: "A recording's audio or video, with HTTP Range",
    description: 'Filesystem storage: the file, 206 for a Range request, 416 for a range outside it. S3: 302 to a presigned GET.',
    request: { params: z.object({ id: z.string().openapi({ param: { name: 'id', in: 'path' } }) }) },
    responses: {
      200: { content: { 'audio/*': { schema: z.string().openapi({ format: 'binary' }) } }, description: 'The whole file' },
      206: { content: { 'audio/*': { schema: z.string().openapi({ format: 'binary' }) } }, description: 'The requested bytes' },
      302: { description: 'S3 storage: a presigned URL to the file' },
      404: { content: json, description: 'No such recording, or it has no media' },
      416: { content: json, description: 'Range not satisfiable' },
    },
  });
}

function notWithFs(c: Context<AppEnv>) {
  return c.json(
    {
      error: {
        code: 'not_implemented',
        message: 'direct (presigned) uploads need STORAGE=s3; with filesystem storage send the file as multipart to POST /v1/recordings',
      },
    },
    501,
  );
}
