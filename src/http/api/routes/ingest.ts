import fs from 'node:fs/promises';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { enqueueManifestJob, MANIFEST_JOB_KIND, confine, readManifest, ingestTranscript, slugId } from '../../../ingest/index.js';
import { AppError, inBackground } from '../../../core/index.js';
import { ENQUEUE_WAIT_MS, enqueuedWithin } from '../../../platform/index.js';
import type { Services } from '../../../archive/index.js';
import type { AppEnv, Runtime } from '../app.js';
import { ErrorBody, JobSchema, RecordingMetaFields, RecordingSchema } from '../schemas.js';


const route = createRoute({
  method: 'post',
  path: '/v1/ingest',
  summary: 'Ingest a transcript (VTT, SRT, Whisper JSON) with metadata, or a manifest with its transcripts',
  description:
    'multipart/form-data. Either `file` (one transcript) with optional fields id, title, recorded_at, collection, language — ' +
    'answered 201 with the recording once indexed (200 when the same transcript was already, unchanged) — or `manifest` (JSONL/CSV) plus the transcript and media files it names ' +
    '(each part\'s filename is its path relative to the manifest) — answered 202 with a job to follow at /v1/jobs/{id}, ' +
    'which ends when every row is indexed, media rows included.',
  request: {
    body: {
      content: {
        'multipart/form-data': {
          schema: RecordingMetaFields.extend({ file: z.any().optional(), manifest: z.any().optional(), files: z.any().optional() }),
        },
      },
    },
  },
  responses: {
    200: {
      content: { 'application/json': { schema: z.object({ status: z.literal('unchanged'), moments: z.number(), recording: RecordingSchema }) } },
      description: 'The transcript was already indexed, unchanged: nothing was written',
    },
    201: {
      content: { 'application/json': { schema: z.object({ status: z.literal('ingested'), moments: z.number(), recording: RecordingSchema }) } },
      description: 'The transcript was indexed',
    },
    202: { content: { 'application/json': { schema: z.object({ job: JobSchema }) } }, description: 'The manifest is being ingested' },
    400: { content: { 'application/json': { schema: ErrorBody } }, description: 'Bad request' },
    413: { content: { 'application/json': { schema: ErrorBody } }, description: 'Over MAX_UPLOAD_MB, or a transcript over TRANSCRIPT_MAX_MB' },
    422: {
      content: { 'application/json': { schema: ErrorBody } },
      description: 'The transcript or manifest cannot be read, is over TRANSCRIPT_MAX_CUES or TRANSCRIPT_MAX_CUE_WORDS, or no manifest row is usable',
    },
  },
});

export function registerIngest(app: OpenAPIHono<AppEnv>, s: Services, rt: Runtime): void {
  // The body is parsed here, not by the route validator: multipart parts are files, checked one by one below.
  app.post('/v1/ingest', async (c) => {
    const type = c.req.header('content-type') ?? '';
    if (!type.startsWith('multipart/form-data')) {
      throw new AppError('unsupported_format', 'send multipart/form-data with a `file` (transcript) or a `manifest` part');
    }
    let body: Record<string, unknown>;
    try {
      body = await c.req.parseBody({ all: true });
    } catch (err) {
      throw new AppError('bad_request', `cannot read the multipart body: ${(err as Error).message}`);
    }
    const fields = Object.fromEntries(Object.entries(body).map(([k, v]) => [k, Array.isArray(v) ? v[0] : v]));
    if (fields.manifest instanceof File) {
      const files = Object.values(body).flat().filter((v): v is File => v instanceof File && v !== fields.manifest);
      const job = await startManifestJob(s, rt, fields.manifest, files);
      return c.json({ job }, 202);
    }
    const file = fields.file;
    if (!(file instanceof File)) throw new AppError('bad_request', 'missing `file` part (a transcript) or `manifest` part');
    const meta = RecordingMetaFields.safeParse(Object.fromEntries(Object.entries(fields).filter(([, v]) => typeof v === 'string')));
    if (!meta.success) throw new AppError('bad_request', meta.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
    if (file.name.includes('\u0000') || file.name.length > 255) throw new AppError('bad_request', 'the file name must be at most 255 characters, without NUL');
    const content = await readText(file);
    const base = file.name.replace(/\.[^.]+$/, '');
    const id = meta.data.id ?? slugId(meta.data.title ?? base, content);
    // Indexing is background work even when a request waits for it: searches go first (src/core/lane.ts).
    const out = await inBackground(() => ingestTranscript(s, {
      meta: {
        id,
        title: meta.data.title ?? base,
        recordedAt: meta.data.recorded_at ?? null,
        collection: meta.data.collection ?? null,
        language: meta.data.language ?? null,
        source: file.name,
      },
      fileName: file.name,
      content,
    }));
    // The same transcript again creates nothing: 200, as the same media file uploaded again is.
    return c.json({ status: out.status, moments: out.moments, recording: (await s.archive.get(id))! }, out.status === 'unchanged' ? 200 : 201);
  });
  app.openAPIRegistry.registerPath(route);
}

async function readText(file: File): Promise<string> {
  const buf = Buffer.from(await file.arrayBuffer());
  if (buf.includes(0)) throw new AppError('unsupported_format', `${file.name}: binary data, not a text transcript`);
  return buf.toString('utf8');
}

/** Why an `s3://bucket/key` media row cannot be ingested here, or null when its object is in the configured bucket. */
async function s3Problem(s: Services, media: string): Promise<string | null> {
  if (s.blobs.kind !== 's3') return `media "${media}": s3:// media needs STORAGE=s3 (this archive stores files under DATA_DIR)`;
  const m = /^s3:\/\/([^/]+)\/(.+)$/.exec(media);
  const bucket = (s.blobs as { bucket?: string }).bucket;
  if (!m) return `media "${media}" is not s3://bucket/key`;
  if (bucket && m[1] !== bucket) return `media "${media}": the object is in bucket "${m[1]}" but S3_BUCKET is "${bucket}"`;
  return (await s.blobs.stat(m[2]).catch(() => null)) ? null : `media "${media}": no such object`;
}

/**
 * Writes the manifest and its files to a folder of their own and checks every row before a job exists: relative
 * paths name the uploaded files (nothing else on the server), absolute ones must be under MEDIA_ROOTS. A manifest
 * with no row that can be ingested is refused (422) and leaves nothing behind; otherwise bad rows are reported by
 * line in the job's result and the others are ingested.
 */
async function startManifestJob(s: Services, rt: Runtime, manifest: File, files: File[]) {
  const dir = path.join(s.cfg.dataDir, 'uploads', randomUUID());
  const manifestName = /\.csv$/i.test(manifest.name) ? 'manifest.csv' : 'manifest.jsonl';
  const manifestPath = path.join(dir, manifestName);
  try {
    await fs.mkdir(dir, { recursive: true });
    await fs.writeFile(manifestPath, Buffer.from(await manifest.arrayBuffer()));
    const realDir = await fs.realpath(dir);
    for (const f of files) {
      let target: string;
      try {
        target = confine(dir, f.name);
        if (target === realDir || target === path.join(realDir, manifestName)) throw new Error('not a file name beside the manifest');
      } catch (err) {
        throw new AppError('bad_request', `file part "${f.name}": ${(err as Error).message}`);
      }
      await fs.mkdir(path.dirname(target), { recursive: true });
      await fs.writeFile(target, Buffer.from(await f.arrayBuffer()));
    }
    const { rows, problems } = readManifest(manifestPath, { roots: s.cfg.MEDIA_ROOTS });
    const realManifest = path.join(realDir, manifestName);
    const absent = async (kind: string, p: string | undefined): Promise<string | null> => {
      if (p === undefined) return null;
      if (p.startsWith('s3://')) return s3Problem(s, p);
      const uploaded = p.startsWith(realDir + path.sep);
      const shown = uploaded ? path.relative(realDir, p) : p;
      if (p === realManifest) return `${kind} "${shown}" is the manifest itself`;
      if (await fs.stat(p).then((st) => st.isFile(), () => false)) return null;
      return `${kind} "${shown}" ${uploaded ? 'was not uploaded with the manifest' : 'is not a file'}`;
    };
    let usable = 0;
    for (const row of rows) {
      const error = (await absent('transcript', row.transcriptPath)) ?? (await absent('media', row.mediaPath));
      if (error) problems.push({ line: row.line, id: row.meta.id, error });
      else usable++;
    }
    if (usable === 0) {
      problems.sort((a, b) => a.line - b.line);
      const listed = problems.slice(0, 5).map((p) => `line ${p.line}: ${p.error}`).join('; ');
      const more = problems.length > 5 ? `; and ${problems.length - 5} more` : '';
      throw new AppError('invalid_manifest', `${manifest.name}: ${problems.length ? `no row can be ingested: ${listed}${more}` : 'no rows'}`, { problems });
    }
  } catch (err) {
    await fs.rm(dir, { recursive: true, force: true }).catch(() => {});
    if (err instanceof AppError) throw err;
    throw new AppError('bad_request', `cannot store the manifest upload: ${(err as Error).message}`);
  }
  // The job's payload says where the files are, so a restarted process (or a worker sharing DATA_DIR) can resume it.
  const job = await rt.jobs.create(MANIFEST_JOB_KIND, { manifest: manifest.name, files: files.length, manifestPath, dir });
  const enqueued = enqueueManifestJob(rt.queue, { jobId: job.id, manifestPath, dir });
  const onError = (err: unknown) => s.log.error({ err, job: job.id }, 'manifest job could not be enqueued');
  if (!(await enqueuedWithin(enqueued, ENQUEUE_WAIT_MS, onError))) {
    s.log.warn({ job: job.id }, 'job queue unavailable; the job is recorded and will be queued when it returns');
  }
  const { payload: _payload, ...shown } = job;
  return shown;
}
