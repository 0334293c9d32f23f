import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLoopbackS3, type LoopbackS3 } from '../helpers/s3.js';
import { startTestServer, transcriptForm, type TestServer } from '../helpers/server.js';

const JFK = path.resolve(__dirname, '../../../shared/audio/jfk.wav');
const jfk = fs.readFileSync(JFK);

const form = (name: string, body: Buffer | string, fields: Record<string, string> = {}, type = 'audio/wav') => {
  const f = new FormData();
  for (const [k, v] of Object.entries(fields)) f.set(k, v);
  f.set('file', new File([typeof body === 'string' ? body : new Uint8Array(body)], name, { type }));
  return f;
};

async function waitForJob(url: string, id: string, timeoutMs = 120_000) {
  const t0 = Date.now();
  for (;;) {
    const job = await (await fetch(`${url}/v1/jobs/${id}`)).json();
    if (job.status === 'succeeded' || job.status === 'failed') return job;
    if (Date.now() - t0 > timeoutMs) throw new Error(`job ${id} still ${job.status} (${job.stage}) after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Every file under a folder, as paths relative to it. */
function filesUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => path.relative(dir, path.join(e.parentPath, e.name)));
}

describe('media intake over HTTP, filesystem storage (real ffprobe, pocketsphinx, PGlite, loopback)', () => {
  let t: TestServer;
  let recordingId = '';
  const blobsDir = () => path.join(t.dataDir, 'blobs');

  beforeAll(async () => {
    t = await startTestServer({ EMBEDDINGS: 'none', MAX_UPLOAD_MB: '1', SAMPLE_ARCHIVE: 'off' });
  });
  afterAll(async () => t?.close());

  it('takes an upload (202 with a job), transcribes it, and the recording is searchable with its media', async () => {
    const res = await fetch(`${t.url}/v1/recordings`, {
      method: 'POST',
      body: form('jfk.wav', jfk, { title: 'Inaugural address', recorded_at: '1961-01-20', collection: 'speeches' }),
    });
    expect(res.status).toBe(202);
    const body = await res.json();
    expect(body.duplicate).toBe(false);
    expect(body.recording).toMatchObject({ title: 'Inaugural address', recordedAt: '1961-01-20', collection: 'speeches' });
    expect(body.recording.checksum).toMatch(/^[0-9a-f]{64}$/);
    expect(body.recording.source).toBe(`media/${body.recording.checksum}.wav`);
    expect(body.recording.media_url).toBe(`/v1/recordings/${body.recording.id}/media`);
    expect(body.job.id).toBeTruthy();
    recordingId = body.recording.id;

    const job = await waitForJob(t.url, body.job.id);
    expect(job.status, job.error ?? '').toBe('succeeded');

    const rec = await (await fetch(`${t.url}/v1/recordings/${recordingId}`)).json();
    expect(rec.status).toBe('ready');
    expect(rec.media_url).toBe(`/v1/recordings/${recordingId}/media`);
    expect(rec.durationS).toBeGreaterThan(10);

    const search = await (await fetch(`${t.url}/v1/search?q=country&mode=bm25`)).json();
    expect(search.results.map((r: { recording_id: string }) => r.recording_id)).toContain(recordingId);

    const list = await (await fetch(`${t.url}/v1/recordings`)).json();
    expect(list.items.find((r: { id: string }) => r.id === recordingId).media_url).toBe(rec.media_url);
    expect(filesUnder(blobsDir())).toEqual([path.join('media', `${rec.checksum}.wav`)]);
  }, 150_000);

  it('serves the media with HTTP Range: 206 partial, 200 whole, 416 outside the file', async () => {
    const url = `${t.url}/v1/recordings/${recordingId}/media`;
    const part = await fetch(url, { headers: { Range: 'bytes=0-99' } });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes 0-99/${jfk.length}`);
    expect(part.headers.get('accept-ranges')).toBe('bytes');
    expect(part.headers.get('content-type')).toBe('audio/wav');
    const bytes = Buffer.from(await part.arrayBuffer());
    expect(bytes.length).toBe(100);
    expect(bytes).toEqual(jfk.subarray(0, 100));

    const tail = await fetch(url, { headers: { Range: 'bytes=-10' } });
    expect(tail.status).toBe(206);
    expect(Buffer.from(await tail.arrayBuffer())).toEqual(jfk.subarray(jfk.length - 10));

    const open = await fetch(url, { headers: { Range: `bytes=${jfk.length - 5}-` } });
    expect(open.status).toBe(206);
    expect(open.headers.get('content-length')).toBe('5');
    await open.arrayBuffer();

    const whole = await fetch(url);
    expect(whole.status).toBe(200);
    expect(whole.headers.get('content-length')).toBe(String(jfk.length));
    expect(Buffer.from(await whole.arrayBuffer())).toEqual(jfk);

    const bad = await fetch(url, { headers: { Range: `bytes=${jfk.length + 10}-` } });
    expect(bad.status).toBe(416);
    expect(bad.headers.get('content-range')).toBe(`bytes */${jfk.length}`);
    expect((await bad.json()).error.code).toBe('range_not_satisfiable');
  });

  it('the recording page has a player on the media URL that starts at ?t=', async () => {
    const html = await (await fetch(`${t.url}/r/${recordingId}?t=4`)).text();
    const audio = /<audio[^>]*>/.exec(html)?.[0] ?? '';
    expect(audio).toContain(`src="/v1/recordings/${recordingId}/media#t=4"`);
    expect(audio).toContain('preload="metadata"');
    expect(audio).toContain('data-start="4"');
    expect(html).not.toContain('No audio for this recording');
  });

  it('the same file again is the same recording, with no second job', async () => {
    const res = await fetch(`${t.url}/v1/recordings`, { method: 'POST', body: form('copy-of-jfk.wav', jfk, { title: 'Another title' }) });
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.duplicate).toBe(true);
    expect(body.recording.id).toBe(recordingId);
    expect(body.recording.title).toBe('Inaugural address');
    const jobs = await t.services.db.query<{ n: number }>('SELECT count(*)::int AS n FROM jobs WHERE recording_id = $1', [recordingId]);
    expect(Number(jobs[0].n)).toBe(1);
    expect((await t.services.archive.counts()).recordings).toBe(1);
    expect(filesUnder(blobsDir()).filter((f) => !f.startsWith('.partial'))).toHaveLength(1);
  });

  it('refuses a file that is not audio (415 JSON) and stores nothing', async () => {
    const res = await fetch(`${t.url}/v1/recordings`, { method: 'POST', body: form('notes.wav', 'just some text, not audio at all\n'.repeat(50), { title: 'Fake' }) });
    expect(res.status).toBe(415);
    const body = await res.json();
    expect(body.error.code).toBe('unsupported_format');
    expect(body.error.message).toMatch(/notes\.wav/);
    expect((await t.services.archive.counts()).recordings).toBe(1);
    expect(filesUnder(blobsDir()).filter((f) => !f.startsWith('.partial'))).toHaveLength(1);
    expect(filesUnder(path.join(blobsDir(), '.partial'))).toEqual([]);
  });

  it('refuses speech in a language the offline recogniser has no model for (422 JSON), and stores nothing', async () => {
    const mp3 = fs.readFileSync(path.resolve(__dirname, '../../../shared/audio/jfk.mp3'));
    const res = await fetch(`${t.url}/v1/recordings`, { method: 'POST', body: form('discurso.mp3', mp3, { title: 'Discurso', language: 'es' }, 'audio/mpeg') });
    expect(res.status).toBe(422);
    const body = await res.json();
    expect(body.error.code).toBe('unsupported_language');
    expect(body.error.message).toMatch(/English only.*"es".*ASR_ENGINE=whisper/);
    expect((await t.services.archive.counts()).recordings).toBe(1);
    expect(filesUnder(blobsDir()).filter((f) => !f.startsWith('.partial'))).toHaveLength(1);
  });

  it('refuses an upload over MAX_UPLOAD_MB with 413 JSON, declared or streamed, and stores nothing', async () => {
    const big = Buffer.alloc(1.5 * 1024 * 1024, 7);
    const res = await fetch(`${t.url}/v1/recordings`, { method: 'POST', body: form('big.wav', big) });
    expect(res.status).toBe(413);
    expect((await res.json()).error.code).toBe('payload_too_large');

    // No Content-Length (chunked): the limit is enforced while the part streams.
    const boundary = '----sa-test-boundary';
    const head = Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.wav"\r\nContent-Type: audio/wav\r\n\r\n`);
    const tailPart = Buffer.from(`\r\n--${boundary}--\r\n`);
    const chunks = [head, ...Array.from({ length: 24 }, () => Buffer.alloc(64 * 1024, 1)), tailPart];
    const stream = new ReadableStream<Uint8Array>({
      pull(ctrl) {
        const next = chunks.shift();
        if (next) ctrl.enqueue(next);
        else ctrl.close();
      },
    });
    const chunked = await fetch(`${t.url}/v1/recordings`, {
      method: 'POST',
      body: stream,
      headers: { 'Content-Type': `multipart/form-data; boundary=${boundary}` },
      duplex: 'half',
    } as RequestInit);
    expect(chunked.status).toBe(413);
    expect((await chunked.json()).error.code).toBe('payload_too_large');
    expect((await t.services.archive.counts()).recordings).toBe(1);
    expect(filesUnder(blobsDir()).filter((f) => !f.startsWith('.partial'))).toHaveLength(1);
    expect(filesUnder(path.join(blobsDir(), '.partial'))).toEqual([]);
  });

  it('a client that disconnects mid-upload leaves nothing behind, and the server carries on', async () => {
    const boundary = 'sa-abort';
    const ac = new AbortController();
    let n = 0;
    const stream = new ReadableStream<Uint8Array>({
      async pull(ctrl) {
        if (n === 0) ctrl.enqueue(new TextEncoder().encode(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="cut.wav"\r\n\r\n`));
        else if (n < 8) ctrl.enqueue(new Uint8Array(64 * 1024));
        else {
          await new Promise((r) => setTimeout(r, 100));
          ac.abort();
        }
        n++;
      },
    });
    await expect(
      fetch(`${t.url}/v1/recordings`, {
        method: 'POST',
        body: stream,
        headers: { 'Content-Type': `multipart/form-data; boundary=${boundary}` },
        duplex: 'half',
        signal: ac.signal,
      } as RequestInit),
    ).rejects.toThrow();
    await new Promise((r) => setTimeout(r, 300));
    expect((await fetch(`${t.url}/healthz`)).status).toBe(200);
    expect(filesUnder(blobsDir()).filter((f) => !f.startsWith('.partial'))).toHaveLength(1);
    expect(filesUnder(path.join(blobsDir(), '.partial'))).toEqual([]);
  });

  it('answers bad requests with JSON errors: no file part, not multipart, bad metadata', async () => {
    const f = new FormData();
    f.set('title', 'no file');
    const noFile = await fetch(`${t.url}/v1/recordings`, { method: 'POST', body: f });
    expect(noFile.status).toBe(400);
    expect((await noFile.json()).error.message).toMatch(/file/);
    const notMultipart = await fetch(`${t.url}/v1/recordings`, { method: 'POST', body: 'x', headers: { 'Content-Type': 'text/plain' } });
    expect(notMultipart.status).toBe(415);
    const cut = await fetch(`${t.url}/v1/recordings`, {
      method: 'POST',
      body: '--b\r\nContent-Disposition: form-data; name="file"; filename="x.wav"\r\n\r\nRIFF....',
      headers: { 'Content-Type': 'multipart/form-data; boundary=b' },
    });
    expect(cut.status).toBe(400);
    expect((await cut.json()).error.message).toMatch(/multipart/);
    const badDate = await fetch(`${t.url}/v1/recordings`, { method: 'POST', body: form('jfk.wav', jfk, { recorded_at: '1961-02-30' }) });
    expect(badDate.status).toBe(400);
    expect((await badDate.json()).error.message).toMatch(/recorded_at/);
    expect(filesUnder(blobsDir()).filter((f) => !f.startsWith('.partial'))).toHaveLength(1);
  });

  it('a transcript-only recording has media_url null and no media to serve; presigned uploads need S3', async () => {
    const ing = await fetch(`${t.url}/v1/ingest`, {
      method: 'POST',
      body: transcriptForm('talk.vtt', 'WEBVTT\n\n00:00.000 --> 00:04.000\n<v Chair>Order, order.\n', { id: 'talk-1' }),
    });
    expect(ing.status).toBe(201);
    const rec = await (await fetch(`${t.url}/v1/recordings/talk-1`)).json();
    expect(rec.media_url).toBeNull();
    const page = await (await fetch(`${t.url}/r/talk-1`)).text();
    expect(page).not.toContain('<audio');
    expect(page).toContain('Order, order.');
    const media = await fetch(`${t.url}/v1/recordings/talk-1/media`);
    expect(media.status).toBe(404);
    expect((await media.json()).error.message).toMatch(/no media/);

    const up = await fetch(`${t.url}/v1/uploads`, { method: 'POST', body: JSON.stringify({ filename: 'a.wav', content_type: 'audio/wav', size: 10 }), headers: { 'Content-Type': 'application/json' } });
    expect(up.status).toBe(501);
    expect((await up.json()).error.message).toMatch(/POST \/v1\/recordings/);
  });
});

describe('presigned uploads against a real S3-protocol server on loopback (s3rver)', () => {
  let s3: LoopbackS3;
  let t: TestServer;
  const post = (p: string, body?: unknown) =>
    fetch(`${t.url}${p}`, { method: 'POST', body: body === undefined ? undefined : JSON.stringify(body), headers: { 'Content-Type': 'application/json' } });

  beforeAll(async () => {
    s3 = await startLoopbackS3();
    t = await startTestServer({ ...s3.env, EMBEDDINGS: 'none', SAMPLE_ARCHIVE: 'off' }, { blobs: s3.store() });
  });
  afterAll(async () => {
    await t?.close();
    await s3?.close();
  });

  it('POST /v1/uploads → PUT to the URL → complete → 202 with a job that transcribes from S3', async () => {
    const bad = await post('/v1/uploads', { filename: 'jfk.wav' });
    expect(bad.status).toBe(400);
    const tooBig = await post('/v1/uploads', { filename: 'jfk.wav', content_type: 'audio/wav', size: 10_000 * 1024 * 1024 });
    expect(tooBig.status).toBe(413);
    const notMedia = await post('/v1/uploads', { filename: 'notes.txt', content_type: 'text/plain', size: 100 });
    expect(notMedia.status).toBe(415);

    const start = await post('/v1/uploads', { filename: 'jfk.wav', content_type: 'audio/wav', size: jfk.length, id: 'jfk-1961', title: 'JFK', recorded_at: '1961-01-20' });
    expect(start.status).toBe(201);
    const up = await start.json();
    expect(up).toMatchObject({ method: 'PUT', headers: { 'Content-Type': 'audio/wav' }, complete_url: `/v1/uploads/${up.upload_id}/complete` });
    expect(up.url.startsWith(s3.endpoint)).toBe(true);
    expect(Date.parse(up.expires_at)).toBeGreaterThan(Date.now());

    expect((await post('/v1/uploads/00000000-0000-0000-0000-000000000000/complete')).status).toBe(404);
    const early = await post(`/v1/uploads/${up.upload_id}/complete`);
    expect(early.status).toBe(409);
    expect((await early.json()).error.code).toBe('conflict');

    const put = await fetch(up.url, { method: 'PUT', body: jfk, headers: up.headers });
    expect(put.status).toBe(200);
    const done = await post(`/v1/uploads/${up.upload_id}/complete`);
    expect(done.status).toBe(202);
    const body = await done.json();
    expect(body.recording).toMatchObject({ id: 'jfk-1961', title: 'JFK', media_url: '/v1/recordings/jfk-1961/media' });
    const sha = body.recording.checksum;
    expect(await t.services.blobs.stat(`media/${sha}.wav`)).toMatchObject({ size: jfk.length });
    expect(await t.services.blobs.stat(`uploads/${up.upload_id}.wav`)).toBeNull();

    const job = await waitForJob(t.url, body.job.id);
    expect(job.status, job.error ?? '').toBe('succeeded');
    const search = await (await fetch(`${t.url}/v1/search?q=country&mode=bm25`)).json();
    expect(search.results.map((r: { recording_id: string }) => r.recording_id)).toContain('jfk-1961');

    // Completing again answers the same recording and job.
    const again = await post(`/v1/uploads/${up.upload_id}/complete`);
    expect(again.status).toBe(200);
    expect((await again.json()).job.id).toBe(body.job.id);
  }, 150_000);

  it('serves media on S3 as a redirect to a presigned GET that honours Range', async () => {
    const res = await fetch(`${t.url}/v1/recordings/jfk-1961/media`, { redirect: 'manual' });
    expect(res.status).toBe(302);
    const location = res.headers.get('location')!;
    expect(location.startsWith(s3.endpoint)).toBe(true);
    const part = await fetch(location, { headers: { Range: 'bytes=0-99' } });
    expect(part.status).toBe(206);
    expect(Buffer.from(await part.arrayBuffer())).toEqual(jfk.subarray(0, 100));
  });

  it('the same file uploaded again is the same recording; the second upload is dropped', async () => {
    const up = await (await post('/v1/uploads', { filename: 'again.wav', content_type: 'audio/wav', size: jfk.length })).json();
    expect((await fetch(up.url, { method: 'PUT', body: jfk, headers: up.headers })).status).toBe(200);
    const done = await post(`/v1/uploads/${up.upload_id}/complete`);
    expect(done.status).toBe(200);
    const body = await done.json();
    expect(body).toMatchObject({ duplicate: true, recording: { id: 'jfk-1961' } });
    expect(await t.services.blobs.stat(`uploads/${up.upload_id}.wav`)).toBeNull();
    expect((await t.services.archive.counts()).recordings).toBe(1);
  });

  it('a non-audio file PUT directly is refused at completion and removed', async () => {
    const up = await (await post('/v1/uploads', { filename: 'fake.wav', content_type: 'audio/wav', size: 200 })).json();
    expect((await fetch(up.url, { method: 'PUT', body: 'not audio '.repeat(20), headers: up.headers })).status).toBe(200);
    const done = await post(`/v1/uploads/${up.upload_id}/complete`);
    expect(done.status).toBe(415);
    expect((await done.json()).error.code).toBe('unsupported_format');
    expect(await t.services.blobs.stat(`uploads/${up.upload_id}.wav`)).toBeNull();
    expect((await t.services.archive.counts()).recordings).toBe(1);
  });
});
