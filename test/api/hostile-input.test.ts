import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ingestManifest } from '../../src/ingest/bulk.js';
import { loadConfig } from '../../src/core/config.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

/*
 * Limits and hostile input: a catalogue of malformed or hostile requests. Each one must get a 4xx JSON
 * error {"error":{"code","message"}} whose message names the problem, and must leave the archive as it was:
 * recordings, moments and jobs counted, the files under DATA_DIR/blobs and DATA_DIR/uploads listed, the seed
 * recording unchanged. Not repeated here (already covered elsewhere):
 *   test/api/media.test.ts          text posing as audio (415), over MAX_UPLOAD_MB declared and chunked (413),
 *                                   a client that disconnects mid-upload, no file part, text/plain, cut multipart,
 *                                   recorded_at 1961-02-30 on POST /v1/recordings
 *   test/audio/hostile-media.test.ts  corrupt / empty / truncated / odd media at the probe and decode level
 *   test/api/search-api.test.ts     q empty or 1001 chars, limit 0 / 1000, mode=magic, from=1987-13-45, a broken VTT
 *                                   for a stored id, application/json to /v1/ingest, a manifest with one bad id
 *   test/api/ask.test.ts            {}, question '' or 1001 chars, limit 0, from 1992-13-40, temporal=sometimes
 */

const MiB = 1024 * 1024;
const SEED_VTT = [
  'WEBVTT',
  '',
  '00:00:01.000 --> 00:00:06.000',
  '<v Chair>The housing cooperative on Mill Street asks the council for a loan guarantee.',
  '',
  '00:00:06.000 --> 00:00:12.000',
  '<v Councillor Alvarez>Rent control and the cooperative model keep the housing affordable.',
  '',
].join('\n');
const GOOD_VTT = 'WEBVTT\n\n00:00:00.000 --> 00:00:04.000\n<v Clerk>The minutes of the previous meeting were approved.\n';

/** Every file under a folder, as paths relative to it. */
function filesUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => !e.isDirectory())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)))
    .sort();
}

let t: TestServer;
let work: string; // a manifest folder, a MEDIA_ROOTS folder and a folder outside both
let mediaRoot: string;
let outside: string;

const url = (p: string) => `${t.url}${p}`;
const get = (p: string) => fetch(url(p));
const postForm = (p: string, parts: Record<string, string | File | File[]>) => {
  const f = new FormData();
  for (const [k, v] of Object.entries(parts)) for (const one of Array.isArray(v) ? v : [v]) f.append(k, one);
  return fetch(url(p), { method: 'POST', body: f });
};
const postRaw = (p: string, body: string | Buffer, type?: string) =>
  fetch(url(p), { method: 'POST', body: body as BodyInit, headers: type === undefined ? {} : { 'content-type': type } });
const patchJson = (p: string, body: unknown) => fetch(url(p), { method: 'PATCH', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
const ask = (body: unknown) => postRaw('/v1/ask', typeof body === 'string' ? body : JSON.stringify(body), 'application/json');
const file = (name: string, body: string | Buffer, type = '') => new File([body as BlobPart], name, { type });

/**
 * Sends a request on a connection of its own, closed afterwards. A body refused with 413 before it is read makes the
 * server drop the connection; fetch's pool could otherwise hand that dead socket to the next case.
 */
async function alone(send: () => Promise<Response>): Promise<Response> {
  // The helpers build the request with fetch's own encoding (multipart boundary and all); it is captured, not sent.
  let captured: Request | undefined;
  const real = globalThis.fetch;
  globalThis.fetch = async (input, init) => {
    captured = new Request(input, init);
    return new Response(null);
  };
  try {
    await send();
  } finally {
    globalThis.fetch = real;
  }
  const req = captured!;
  const body = Buffer.from(await req.arrayBuffer());
  const headers: Record<string, string | number> = { ...Object.fromEntries(req.headers), connection: 'close' };
  if (req.method !== 'GET') headers['content-length'] = body.length;
  return new Promise((resolve, reject) => {
    const r = http.request(req.url, { method: req.method, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve(new Response(Buffer.concat(chunks), { status: res.statusCode, headers: res.headers as Record<string, string> })));
    });
    // The server may answer and close before the whole body is written: the answer is what counts.
    r.on('error', (err) => setTimeout(() => reject(err), 500));
    r.end(body);
  });
}
const transcript = (name: string, body: string, fields: Record<string, string> = {}) => postForm('/v1/ingest', { ...fields, file: file(name, body) });
const media = (name: string, body: string | Buffer, fields: Record<string, string> = {}, type = 'audio/wav') =>
  postForm('/v1/recordings', { ...fields, file: file(name, body, type) });
const manifest = (text: string, files: Record<string, string> = {}, name = 'manifest.jsonl') =>
  postForm('/v1/ingest', { manifest: file(name, text), files: Object.entries(files).map(([p, body]) => file(p, body)) });
const jsonl = (...rows: object[]) => rows.map((r) => JSON.stringify(r)).join('\n') + '\n';

/** What a refused request must not change. */
async function snapshot() {
  const [n] = await t.services.db.query<{ recordings: number; moments: number; jobs: number; uploads: number }>(
    `SELECT (SELECT count(*)::int FROM recordings) AS recordings, (SELECT count(*)::int FROM moments) AS moments,
            (SELECT count(*)::int FROM jobs) AS jobs, (SELECT count(*)::int FROM uploads) AS uploads`,
  );
  const seed = await t.services.archive.get('seed');
  return {
    recordings: Number(n.recordings),
    moments: Number(n.moments),
    jobs: Number(n.jobs),
    uploadRows: Number(n.uploads),
    blobs: filesUnder(path.join(t.dataDir, 'blobs')),
    uploads: filesUnder(path.join(t.dataDir, 'uploads')),
    seed: seed && { status: seed.status, title: seed.title, contentHash: seed.contentHash, moments: seed.momentCount, collection: seed.collection, recordedAt: seed.recordedAt, language: seed.language },
  };
}

async function waitForJob(id: string, timeoutMs = 30_000) {
  const t0 = Date.now();
  for (;;) {
    const job = await (await get(`/v1/jobs/${id}`)).json();
    if (job.status === 'succeeded' || job.status === 'failed') return job;
    if (Date.now() - t0 > timeoutMs) throw new Error(`job ${id} still ${job.status} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

interface Case {
  name: string;
  send: () => Promise<Response>;
  status: number;
  code: string;
  message: RegExp;
}

const wavHeaderCut = Buffer.from('RIFF\x24\x08\x00\x00WAVEfmt \x10\x00', 'latin1');
const pngAsWav = Buffer.concat([Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex'), Buffer.alloc(2000, 0x41)]);
const deepJson = '['.repeat(50_000) + ']'.repeat(50_000);
// The catalogue's server bounds transcripts at 2000 cues, 1000 words a cue and 0.5 MB, and media at 3.6 s.
const vttCue = (text: string) => `WEBVTT\n\n00:00:01.000 --> 00:00:04.000\n${text}\n`;
const srtTime = (s: number) => `00:${String(Math.floor(s / 60) % 60).padStart(2, '0')}:${String(s % 60).padStart(2, '0')},000`;
const vttCues = (n: number) => 'WEBVTT\n\n' + Array.from({ length: n }, (_, i) => `${srtTime(i).replace(',', '.')} --> ${srtTime(i + 1).replace(',', '.')}\nline ${i}\n`).join('\n');
const srtCues = (n: number) => Array.from({ length: n }, (_, i) => `${i + 1}\n${srtTime(i)} --> ${srtTime(i + 1)}\nline ${i}\n`).join('\n');
const jsonSegments = (n: number) => JSON.stringify(Array.from({ length: n }, (_, i) => ({ start: i, end: i + 1, text: `line ${i}` })));
const words = (n: number) => Array.from({ length: n }, (_, i) => `w${i}`).join(' ');
/** Five seconds of silence as a WAV, longer than the catalogue's MAX_MEDIA_HOURS (0.001 h = 3.6 s). */
function silentWav(seconds: number): Buffer {
  const data = Buffer.alloc(16_000 * 2 * seconds);
  const h = Buffer.alloc(44);
  h.write('RIFF', 0, 'ascii');
  h.writeUInt32LE(36 + data.length, 4);
  h.write('WAVEfmt ', 8, 'ascii');
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(1, 20);
  h.writeUInt16LE(1, 22);
  h.writeUInt32LE(16_000, 24);
  h.writeUInt32LE(32_000, 28);
  h.writeUInt16LE(2, 32);
  h.writeUInt16LE(16, 34);
  h.write('data', 36, 'ascii');
  h.writeUInt32LE(data.length, 40);
  return Buffer.concat([h, data]);
}

const CASES: Case[] = [
  // --- media: POST /v1/recordings (streamed to storage, checked by content with ffprobe; MAX_UPLOAD_MB=1)
  { name: 'media: empty file (0 bytes)', send: () => media('empty.wav', ''), status: 415, code: 'unsupported_format', message: /empty\.wav: file is empty/ },
  { name: 'media: random bytes named .mp3', send: () => media('noise.mp3', Buffer.alloc(4096, 0x5a), {}, 'audio/mpeg'), status: 415, code: 'unsupported_format', message: /noise\.mp3: .*not an audio or video file/ },
  { name: 'media: WAV header cut off in its fmt chunk', send: () => media('cut.wav', wavHeaderCut), status: 415, code: 'unsupported_format', message: /cut\.wav: / },
  { name: 'media: a PNG posing as audio/wav', send: () => media('picture.wav', pngAsWav), status: 415, code: 'unsupported_format', message: /picture\.wav: / },
  { name: 'media: raw application/octet-stream body, not multipart', send: () => postRaw('/v1/recordings', Buffer.alloc(1000, 1), 'application/octet-stream'), status: 415, code: 'unsupported_format', message: /multipart\/form-data/ },
  { name: 'media: multipart without a boundary', send: () => postRaw('/v1/recordings', 'x', 'multipart/form-data'), status: 400, code: 'bad_request', message: /multipart/ },
  { name: 'media: id that climbs directories', send: () => media('a.wav', Buffer.alloc(100), { id: '../../etc/passwd' }), status: 400, code: 'bad_request', message: /^id: / },
  { name: 'media: title with a NUL byte', send: () => media('a.wav', Buffer.alloc(100), { title: 'Council\u0000' }), status: 400, code: 'bad_request', message: /title: .*NUL/ },
  { name: 'media: recorded_at 1999-13-45', send: () => media('a.wav', Buffer.alloc(100), { recorded_at: '1999-13-45' }), status: 400, code: 'bad_request', message: /recorded_at: not a date.*1999-13-45/ },

  // --- transcripts: POST /v1/ingest (multipart)
  { name: 'VTT: empty file', send: () => transcript('empty.vtt', ''), status: 422, code: 'invalid_transcript', message: /empty\.vtt:1: empty transcript/ },
  { name: 'VTT: no WEBVTT header', send: () => transcript('bare.vtt', '00:00.000 --> 00:01.000\nhello\n'), status: 422, code: 'invalid_transcript', message: /bare\.vtt:1: not a WebVTT file/ },
  { name: 'VTT: 61 seconds in a timestamp', send: () => transcript('sec.vtt', 'WEBVTT\n\n00:00.000 --> 00:61.000\nhello\n'), status: 422, code: 'invalid_transcript', message: /sec\.vtt:3: bad cue timing/ },
  { name: 'VTT: cue ends before it starts', send: () => transcript('back.vtt', 'WEBVTT\n\n00:05.000 --> 00:01.000\nhello\n'), status: 422, code: 'invalid_transcript', message: /back\.vtt:3: cue ends before it starts/ },
  { name: 'VTT: header only, no cues', send: () => transcript('hollow.vtt', 'WEBVTT\n\nNOTE nothing here\n'), status: 422, code: 'invalid_transcript', message: /hollow\.vtt:1: no cues/ },
  { name: 'VTT: binary data (NUL bytes)', send: () => transcript('bin.vtt', 'WEBVTT\n\n\u0000\u0001\u0002\u0003'), status: 415, code: 'unsupported_format', message: /bin\.vtt: binary data/ },
  { name: 'SRT: garbage where the timing line goes', send: () => transcript('bad.srt', '1\nnot a timing\nhello\n'), status: 422, code: 'invalid_transcript', message: /bad\.srt:2: expected a cue timing line/ },
  { name: 'SRT: cue ends before it starts', send: () => transcript('back.srt', '1\n00:00:05,000 --> 00:00:01,000\nhello\n'), status: 422, code: 'invalid_transcript', message: /back\.srt:2: cue ends before it starts/ },
  { name: 'Whisper JSON: truncated', send: () => transcript('cut.json', '{"segments": [{"start": 0, "end": 1, "te'), status: 422, code: 'invalid_transcript', message: /cut\.json:1: malformed JSON/ },
  { name: 'Whisper JSON: start is a string', send: () => transcript('type.json', '{"segments": [{"start": "zero", "end": 1, "text": "x"}]}'), status: 422, code: 'invalid_transcript', message: /\$\.segments\[0\]\.start: .*number/ },
  { name: 'Whisper JSON: negative times', send: () => transcript('neg.json', '[{"start": -5, "end": -1, "text": "x"}]'), status: 422, code: 'invalid_transcript', message: /\$\[0\]\.start: .*>=0/ },
  { name: 'Whisper JSON: end 1e400 (Infinity)', send: () => transcript('inf.json', '{"segments": [{"start": 0, "end": 1e400, "text": "x"}]}'), status: 422, code: 'invalid_transcript', message: /\$\.segments\[0\]\.end: .*Infinity/ },
  { name: 'Whisper JSON: nested 50,000 arrays deep', send: () => transcript('deep.json', deepJson), status: 422, code: 'invalid_transcript', message: /deep\.json: \$\.segments\[0\]|deep\.json: \$\[0\]/ },
  { name: 'transcript: unknown extension and no recognisable content', send: () => transcript('notes.docx', 'Dear committee, ...'), status: 415, code: 'unsupported_format', message: /notes\.docx: unrecognised transcript format/ },
  { name: 'transcript: recorded_at 1999-13-45', send: () => transcript('a.vtt', GOOD_VTT, { recorded_at: '1999-13-45' }), status: 400, code: 'bad_request', message: /recorded_at: not a date.*1999-13-45/ },
  { name: 'transcript: recorded_at year 0000', send: () => transcript('a.vtt', GOOD_VTT, { recorded_at: '0000-01-01' }), status: 400, code: 'bad_request', message: /recorded_at: not a date/ },
  { name: 'transcript: collection with a NUL byte', send: () => transcript('a.vtt', GOOD_VTT, { collection: 'council\u0000' }), status: 400, code: 'bad_request', message: /collection: .*NUL/ },
  { name: 'transcript: raw text/vtt body, not multipart', send: () => postRaw('/v1/ingest', GOOD_VTT, 'text/vtt'), status: 415, code: 'unsupported_format', message: /multipart\/form-data/ },
  { name: 'transcript: multipart without a boundary', send: () => postRaw('/v1/ingest', GOOD_VTT, 'multipart/form-data'), status: 400, code: 'bad_request', message: /multipart body/ },
  { name: 'transcript: multipart body that does not match its boundary', send: () => postRaw('/v1/ingest', 'garbage', 'multipart/form-data; boundary=zzz'), status: 400, code: 'bad_request', message: /multipart body/ },
  { name: 'transcript: over MAX_UPLOAD_MB', send: () => alone(() => transcript('huge.vtt', `WEBVTT\n\n00:00.000 --> 00:01.000\n${'word '.repeat(0.25 * MiB)}\n`)), status: 413, code: 'payload_too_large', message: /over 1 MB/ },

  // --- bounded work per input: limits named in the error, checked before anything is stored. Hostile transcripts
  //     are sent as a new version of the seed recording, which must stay as it was (the snapshot compares it).
  { name: 'media: 5 s of audio over MAX_MEDIA_HOURS (3.6 s)', send: () => media('long.wav', silentWav(5)), status: 413, code: 'payload_too_large', message: /long\.wav: 5 s of media, over the 3\.6 s limit \(MAX_MEDIA_HOURS\)/ },
  { name: 'VTT: 50,000 nested <b> in one cue', send: () => transcript('deep.vtt', vttCue(`${'<b>'.repeat(50_000)}deep`), { id: 'seed' }), status: 422, code: 'invalid_transcript', message: /deep\.vtt:4: markup nested more than 16 deep/ },
  { name: 'VTT: 17 nested <i> left open', send: () => transcript('open.vtt', vttCue(`${'<i>'.repeat(17)}open`), { id: 'seed' }), status: 422, code: 'invalid_transcript', message: /open\.vtt:4: markup nested more than 16 deep \(<i>/ },
  { name: 'VTT: &#0; (NUL) in a cue', send: () => transcript('nul.vtt', vttCue('the motion &#0; carried'), { id: 'seed' }), status: 422, code: 'invalid_transcript', message: /nul\.vtt:4: character reference "&#0;" is not a valid character: NUL/ },
  { name: 'VTT: &#55296; (a lone surrogate) in a cue', send: () => transcript('sur.vtt', vttCue('the motion &#55296; carried'), { id: 'seed' }), status: 422, code: 'invalid_transcript', message: /sur\.vtt:4: character reference "&#55296;" is not a valid character: a lone surrogate/ },
  { name: 'VTT: &#xD800; (a lone surrogate, hex) in a cue', send: () => transcript('surx.vtt', vttCue('the motion &#xD800; carried'), { id: 'seed' }), status: 422, code: 'invalid_transcript', message: /surx\.vtt:4: .*"&#xD800;" .*lone surrogate/ },
  { name: 'VTT: &#x110000; (beyond Unicode) in a cue', send: () => transcript('big.vtt', vttCue('the motion &#x110000; carried'), { id: 'seed' }), status: 422, code: 'invalid_transcript', message: /big\.vtt:4: .*"&#x110000;" .*beyond U\+10FFFF/ },
  { name: 'VTT: &#0; in a <v> speaker name', send: () => transcript('voice.vtt', vttCue('<v Chair&#0;>the motion carried'), { id: 'seed' }), status: 422, code: 'invalid_transcript', message: /voice\.vtt:4: character reference "&#0;"/ },
  { name: 'Whisper JSON: \\u0000 (NUL) in a segment', send: () => transcript('nul.json', '{"segments": [\n{"start": 0, "end": 2, "text": "the motion \\u0000 carried"}]}', { id: 'seed' }), status: 422, code: 'invalid_transcript', message: /nul\.json:2: text at 00:00:00 contains NUL/ },
  { name: 'Whisper JSON: \\ud800 (a lone surrogate) in a word', send: () => transcript('sur.json', '{"segments": [{"start": 0, "end": 2, "text": "motion", "words": [{"word": "\\ud800", "start": 0, "end": 1}]}]}', { id: 'seed' }), status: 422, code: 'invalid_transcript', message: /sur\.json:1: text at 00:00:00 contains a lone surrogate/ },
  { name: 'VTT: over TRANSCRIPT_MAX_MB (0.5 MB)', send: () => transcript('heavy.vtt', vttCue('heavy '.repeat(100_000)), { id: 'seed' }), status: 413, code: 'payload_too_large', message: /heavy\.vtt: transcript of 0\.57 MB, over 0\.5 MB \(TRANSCRIPT_MAX_MB\)/ },
  { name: 'VTT: 2001 cues, over TRANSCRIPT_MAX_CUES', send: () => transcript('many.vtt', vttCues(2001), { id: 'seed' }), status: 422, code: 'invalid_transcript', message: /many\.vtt:\d+: more than 2000 cues \(TRANSCRIPT_MAX_CUES\)/ },
  { name: 'SRT: 2001 cues, over TRANSCRIPT_MAX_CUES', send: () => transcript('many.srt', srtCues(2001), { id: 'seed' }), status: 422, code: 'invalid_transcript', message: /many\.srt:\d+: more than 2000 cues \(TRANSCRIPT_MAX_CUES\)/ },
  { name: 'Whisper JSON: 2001 segments, over TRANSCRIPT_MAX_CUES', send: () => transcript('many.json', jsonSegments(2001), { id: 'seed' }), status: 422, code: 'invalid_transcript', message: /many\.json: more than 2000 cues \(TRANSCRIPT_MAX_CUES\)/ },
  { name: 'VTT: a cue of 1001 words, over TRANSCRIPT_MAX_CUE_WORDS', send: () => transcript('long.vtt', vttCue(words(1001)), { id: 'seed' }), status: 422, code: 'invalid_transcript', message: /long\.vtt:3: a cue of 1001 words, over 1000 \(TRANSCRIPT_MAX_CUE_WORDS\)/ },
  { name: 'SRT: a cue of 1001 words, over TRANSCRIPT_MAX_CUE_WORDS', send: () => transcript('long.srt', `1\n00:00:01,000 --> 00:00:04,000\n${words(1001)}\n`, { id: 'seed' }), status: 422, code: 'invalid_transcript', message: /long\.srt:2: a cue of 1001 words/ },
  { name: 'Whisper JSON: a segment of 1001 words, over TRANSCRIPT_MAX_CUE_WORDS', send: () => transcript('long.json', JSON.stringify([{ start: 0, end: 9, text: words(1001) }]), { id: 'seed' }), status: 422, code: 'invalid_transcript', message: /long\.json: a cue of 1001 words \(at 00:00:00\), over 1000/ },
  { name: 'manifest: its only row is s3:// media while STORAGE=fs', send: () => manifest(jsonl({ id: 'm1', media: 's3://bucket/a.wav' })), status: 422, code: 'invalid_manifest', message: /line 1: media "s3:\/\/bucket\/a\.wav": s3:\/\/ media needs STORAGE=s3/ },
  { name: 'manifest: its only row names the manifest itself', send: () => manifest(jsonl({ id: 'm1', transcript: 'manifest.jsonl' })), status: 422, code: 'invalid_manifest', message: /line 1: transcript "manifest\.jsonl" is the manifest itself/ },

  // --- manifests uploaded to POST /v1/ingest: checked row by row before a job exists
  { name: 'manifest: a ../ path out of its folder', send: () => manifest(jsonl({ id: 'm1', transcript: '../../../etc/passwd' })), status: 422, code: 'invalid_manifest', message: /line 1: path leaves the manifest's folder/ },
  { name: 'manifest: an absolute path outside MEDIA_ROOTS', send: () => manifest(jsonl({ id: 'm1', transcript: path.join(outside, 'secret.vtt') })), status: 422, code: 'invalid_manifest', message: /line 1: path is outside the manifest's folder and MEDIA_ROOTS/ },
  { name: 'manifest: an absolute path into MEDIA_ROOTS that a symlink leads out of', send: () => manifest(jsonl({ id: 'm1', transcript: path.join(mediaRoot, 'escape', 'secret.vtt') })), status: 422, code: 'invalid_manifest', message: /line 1: .*through a symbolic link/ },
  { name: 'manifest: a file:// URL as media', send: () => manifest(jsonl({ id: 'm1', media: 'file:///etc/passwd' })), status: 422, code: 'invalid_manifest', message: /line 1: path must be a file path, not a URL/ },
  { name: 'manifest: a transcript that was not uploaded with it', send: () => manifest(jsonl({ id: 'm1', transcript: 'recordings/absent.vtt' })), status: 422, code: 'invalid_manifest', message: /line 1: transcript "recordings\/absent\.vtt" was not uploaded/ },
  { name: 'manifest: bad rows (date, id, no path, not JSON)', send: () => manifest(jsonl({ id: 'm1', recorded_at: '1999-13-45', transcript: 'a.vtt' }, { id: 'bad id!', transcript: 'a.vtt' }, { id: 'm3', title: 'no path' }) + '{"id": "m4", \n', { 'a.vtt': GOOD_VTT }), status: 422, code: 'invalid_manifest', message: /line 1: recorded_at: not a date.*line 2: id: .*line 3: .*transcript \(or media\).*line 4: invalid JSON/ },
  { name: 'manifest: CSV with an unterminated quote', send: () => manifest('id,title,transcript\nm1,"Unclosed,a.vtt\n', { 'a.vtt': GOOD_VTT }, 'manifest.csv'), status: 422, code: 'invalid_manifest', message: /manifest\.csv: .*quote/i },
  { name: 'manifest: empty', send: () => manifest('\n\n'), status: 422, code: 'invalid_manifest', message: /manifest\.jsonl: no rows/ },
  { name: 'manifest: a file part named ../../escape.vtt', send: () => manifest(jsonl({ id: 'm1', transcript: 'a.vtt' }), { '../../escape.vtt': GOOD_VTT }), status: 400, code: 'bad_request', message: /file part "\.\.\/\.\.\/escape\.vtt": path leaves/ },
  { name: 'manifest: over MAX_UPLOAD_MB', send: () => alone(() => manifest(jsonl({ id: 'm1', transcript: 'a.vtt', title: 'x'.repeat(400) }).repeat(2800))), status: 413, code: 'payload_too_large', message: /over 1 MB/ },

  // --- queries: GET /v1/search, /v1/recordings, /v1/jobs
  { name: 'search: q of 5000 characters', send: () => get(`/v1/search?q=${'housing '.repeat(625)}`), status: 400, code: 'bad_request', message: /q is longer than 1000 characters/ },
  { name: 'search: q with a NUL byte', send: () => get('/v1/search?q=housing%00'), status: 400, code: 'bad_request', message: /^q: .*NUL/ },
  { name: 'search: speaker with a NUL byte', send: () => get('/v1/search?q=housing&speaker=Chair%00'), status: 400, code: 'bad_request', message: /^speaker: .*NUL/ },
  { name: 'search: q of a lone surrogate, percent-encoded (%ED%A0%80, not UTF-8)', send: () => get('/v1/search?q=%ED%A0%80'), status: 400, code: 'bad_request', message: /^q: malformed percent-encoding.*"%ED%A0%80"/ },
  { name: 'search: q with a cut-off UTF-8 sequence (%C3)', send: () => get('/v1/search?q=caf%C3&mode=bm25'), status: 400, code: 'bad_request', message: /^q: malformed percent-encoding/ },
  { name: 'search: speaker with a stray % (%zz)', send: () => get('/v1/search?q=housing&speaker=Chair%zz'), status: 400, code: 'bad_request', message: /^speaker: malformed percent-encoding/ },
  { name: 'recordings: collection %FF', send: () => get('/v1/recordings?collection=%FF'), status: 400, code: 'bad_request', message: /^collection: malformed percent-encoding/ },
  { name: 'search: q given twice', send: () => get('/v1/search?q=housing&q=rent'), status: 400, code: 'bad_request', message: /^q: / },
  { name: 'search: from=yesterday', send: () => get('/v1/search?q=housing&from=yesterday'), status: 400, code: 'bad_request', message: /^from: not a date.*yesterday/ },
  { name: 'search: to=0000-00-00', send: () => get('/v1/search?q=housing&to=0000-00-00'), status: 400, code: 'bad_request', message: /^to: not a date/ },
  { name: 'search: from after to', send: () => get('/v1/search?q=housing&from=2000-01-01&to=1990-12-31'), status: 400, code: 'bad_request', message: /^from: 2000-01-01 is after to \(1990-12-31\)/ },
  { name: 'search: more quoted phrases than a search reads', send: () => get(`/v1/search?${new URLSearchParams({ q: Array.from({ length: 11 }, (_, i) => `"housing ${i}"`).join(' ') })}`), status: 400, code: 'bad_request', message: /^at most 10 quoted phrases: this question quotes 11/ },
  { name: 'search: browsing from after to', send: () => get('/v1/search?from=2000-01-01&to=1990-12-31'), status: 400, code: 'bad_request', message: /^from: 2000-01-01 is after to/ },
  { name: 'search: export from after to', send: () => get('/v1/search/export?q=housing&from=2000-01-01&to=1990-12-31'), status: 400, code: 'bad_request', message: /^from: 2000-01-01 is after to \(1990-12-31\)/ },
  { name: 'search: to=87 (no year)', send: () => get('/v1/search?q=housing&to=87'), status: 400, code: 'bad_request', message: /^to: not a date \(YYYY-MM-DD, YYYY-MM or YYYY\): "87"/ },
  { name: 'search: from=1987-13 (no such month)', send: () => get('/v1/search?q=housing&from=1987-13'), status: 400, code: 'bad_request', message: /^from: not a date \(YYYY-MM-DD, YYYY-MM or YYYY\): "1987-13"/ },
  { name: 'search: browsing from=1987-3', send: () => get('/v1/search?from=1987-3'), status: 400, code: 'bad_request', message: /^from: not a date/ },
  { name: 'search: export with a cursor', send: () => get('/v1/search/export?q=housing&cursor=abc'), status: 400, code: 'bad_request', message: /^cursor: an export is not paged/ },
  { name: 'search: export to=the nineties', send: () => get('/v1/search/export?q=housing&to=the%20nineties'), status: 400, code: 'bad_request', message: /^to: not a date.*"the nineties"/ },
  { name: 'search: from=1987-3-12 (unpadded)', send: () => get('/v1/search?q=housing&from=1987-3-12'), status: 400, code: 'bad_request', message: /^from: not a date/ },
  { name: 'ask: from 1987-02-30', send: () => ask({ question: 'housing', from: '1987-02-30' }), status: 400, code: 'bad_request', message: /^from: not a date.*"1987-02-30"/ },
  { name: 'correction: recorded_at 1987', send: () => patchJson('/v1/recordings/seed', { recorded_at: '1987' }), status: 400, code: 'bad_request', message: /^recorded_at: not a date \(YYYY-MM-DD\): "1987"/ },
  { name: 'correction: recorded_at 1988-02-30', send: () => patchJson('/v1/recordings/seed', { recorded_at: '1988-02-30' }), status: 400, code: 'bad_request', message: /^recorded_at: not a date/ },
  { name: 'transcript: recorded_at 1987', send: () => transcript('a.vtt', GOOD_VTT, { recorded_at: '1987' }), status: 400, code: 'bad_request', message: /^recorded_at: not a date.*"1987"/ },
  { name: 'media: recorded_at 1987-03', send: () => media('a.wav', Buffer.alloc(100), { recorded_at: '1987-03' }), status: 400, code: 'bad_request', message: /^recorded_at: not a date.*"1987-03"/ },
  { name: 'correction: language "xx-invalid tag!!"', send: () => patchJson('/v1/recordings/seed', { language: 'xx-invalid tag!!' }), status: 400, code: 'bad_request', message: /^language: not a language tag \(BCP 47.*"xx-invalid tag!!"/ },
  { name: 'correction: language es_MX (underscore)', send: () => patchJson('/v1/recordings/seed', { language: 'es_MX' }), status: 400, code: 'bad_request', message: /^language: not a language tag/ },
  { name: "transcript: language 'klingon!!'", send: () => transcript('a.vtt', GOOD_VTT, { language: 'klingon!!' }), status: 400, code: 'bad_request', message: /^language: not a language tag.*"klingon!!"/ },
  { name: "media: language 'en us'", send: () => media('a.wav', Buffer.alloc(100), { language: 'en us' }), status: 400, code: 'bad_request', message: /^language: not a language tag.*"en us"/ },
  { name: 'manifest: its only row in language "??"', send: () => manifest(jsonl({ id: 'm1', language: '??', transcript: 'a.vtt' }), { 'a.vtt': GOOD_VTT }), status: 422, code: 'invalid_manifest', message: /line 1: language: not a language tag.*"\?\?"/ },
  { name: 'manifest: its only row dated 1987', send: () => manifest(jsonl({ id: 'm1', recorded_at: '1987', transcript: 'a.vtt' }), { 'a.vtt': GOOD_VTT }), status: 422, code: 'invalid_manifest', message: /line 1: recorded_at: not a date.*"1987"/ },
  { name: 'search: an unknown recording', send: () => get('/v1/search?q=housing&recording=no-such-recording'), status: 404, code: 'not_found', message: /no recording "no-such-recording"/ },
  { name: 'search: limit=-5', send: () => get('/v1/search?q=housing&limit=-5'), status: 400, code: 'bad_request', message: /^limit: / },
  { name: 'search: limit=ten', send: () => get('/v1/search?q=housing&limit=ten'), status: 400, code: 'bad_request', message: /^limit: / },
  { name: 'search: limit=2.5', send: () => get('/v1/search?q=housing&limit=2.5'), status: 400, code: 'bad_request', message: /^limit: .*int/ },
  { name: "search: mode='; DROP TABLE moments; --", send: () => get(`/v1/search?q=housing&mode=${encodeURIComponent("'; DROP TABLE moments; --")}`), status: 400, code: 'bad_request', message: /^mode: / },
  { name: 'recordings: offset=-1', send: () => get('/v1/recordings?offset=-1'), status: 400, code: 'bad_request', message: /^offset: / },
  { name: 'recordings: limit=100000', send: () => get('/v1/recordings?limit=100000'), status: 400, code: 'bad_request', message: /^limit: .*500/ },
  { name: 'recordings: q with a NUL byte', send: () => get('/v1/recordings?q=seed%00'), status: 400, code: 'bad_request', message: /^q: .*NUL/ },
  { name: 'jobs: status=bogus', send: () => get('/v1/jobs?status=bogus'), status: 400, code: 'bad_request', message: /^status: / },
  { name: 'jobs: kind with a NUL byte', send: () => get('/v1/jobs?kind=ingest%00'), status: 400, code: 'bad_request', message: /^kind: .*NUL/ },

  // --- unknown or malformed ids
  { name: 'recording: unknown id', send: () => get('/v1/recordings/no-such-recording'), status: 404, code: 'not_found', message: /no recording "no-such-recording"/ },
  { name: "recording: id x' OR '1'='1", send: () => get(`/v1/recordings/${encodeURIComponent("x' OR '1'='1")}`), status: 400, code: 'bad_request', message: /id: not a recording id/ },
  { name: 'recording: transcript of an unknown id', send: () => get('/v1/recordings/no-such-recording/transcript?format=srt'), status: 404, code: 'not_found', message: /no recording/ },
  { name: 'recording: media of an unknown id', send: () => get('/v1/recordings/no-such-recording/media'), status: 404, code: 'not_found', message: /no recording/ },
  { name: 'job: not a uuid', send: () => get('/v1/jobs/1%20OR%201=1'), status: 400, code: 'bad_request', message: /id: not a job id/ },
  { name: 'job: unknown uuid', send: () => get('/v1/jobs/00000000-0000-4000-8000-000000000000'), status: 404, code: 'not_found', message: /no job "00000000-/ },
  { name: 'upload: completing an unknown upload', send: () => postRaw('/v1/uploads/00000000-0000-4000-8000-000000000000/complete', ''), status: 404, code: 'not_found', message: /no upload/ },

  // --- POST /v1/ask bodies
  { name: 'ask: mode foo (an answer has no mode)', send: () => ask({ question: 'housing', mode: 'foo' }), status: 400, code: 'bad_request', message: /^mode: POST \/v1\/ask takes no mode/ },
  { name: 'ask: mode bm25 (an answer has no mode)', send: () => ask({ question: 'housing', mode: 'bm25' }), status: 400, code: 'bad_request', message: /^mode: POST \/v1\/ask takes no mode/ },
  { name: 'ask: malformed JSON', send: () => ask('{"question": '), status: 400, code: 'bad_request', message: /Malformed JSON/ },
  { name: 'ask: a JSON array', send: () => ask([{ question: 'housing' }]), status: 400, code: 'bad_request', message: /expected object, received array/ },
  { name: 'ask: question is a number', send: () => ask({ question: 42 }), status: 400, code: 'bad_request', message: /^question: .*expected string/ },
  { name: 'ask: question with a NUL byte', send: () => ask({ question: 'housing\u0000' }), status: 400, code: 'bad_request', message: /^question: .*NUL/ },
  { name: 'ask: limit as a string', send: () => ask({ question: 'housing', limit: '5' }), status: 400, code: 'bad_request', message: /^limit: / },
  { name: 'ask: to=tomorrow', send: () => ask({ question: 'housing', to: 'tomorrow' }), status: 400, code: 'bad_request', message: /^to: not a date/ },
  { name: 'ask: from after to', send: () => ask({ question: 'housing', from: '2000-01-01', to: '1990-12-31' }), status: 400, code: 'bad_request', message: /^from: 2000-01-01 is after to \(1990-12-31\)/ },
  { name: 'ask: an unknown recording', send: () => ask({ question: 'housing', recording: 'no-such-recording' }), status: 404, code: 'not_found', message: /no recording "no-such-recording"/ },
  { name: 'ask: body over MAX_JSON_KB', send: () => alone(() => ask({ question: 'x'.repeat(10_000) })), status: 413, code: 'payload_too_large', message: /MAX_JSON_KB/ },
  { name: 'ask: text/plain body', send: () => postRaw('/v1/ask', '{"question": "housing"}', 'text/plain'), status: 415, code: 'unsupported_format', message: /application\/json.*text\/plain/ },
  { name: 'ask: form-urlencoded body', send: () => postRaw('/v1/ask', 'question=housing', 'application/x-www-form-urlencoded'), status: 415, code: 'unsupported_format', message: /application\/json/ },
  {
    name: 'ask: malformed JSON asking for a stream',
    send: () => fetch(url('/v1/ask'), { method: 'POST', body: '{', headers: { 'content-type': 'application/json', accept: 'text/event-stream' } }),
    status: 400,
    code: 'bad_request',
    message: /Malformed JSON/,
  },

  // --- the web pages' JSON helpers
  {
    name: 'web: /ask/render with an unsupported sentence that is a number',
    send: () => postRaw('/ask/render', JSON.stringify({ answer: { answer: 'x', kind: 'extractive', citations: [], unsupported: [{ sentence: 5, reason: 'uncited' }] } }), 'application/json'),
    status: 400,
    code: 'bad_request',
    message: /^answer\.unsupported\.0\.sentence: /,
  },
  {
    name: 'web: /ask/render with citations that are numbers',
    send: () => postRaw('/ask/render', JSON.stringify({ answer: { answer: 'x [1]', kind: 'extractive', citations: [1], unsupported: [] } }), 'application/json'),
    status: 400,
    code: 'bad_request',
    message: /^answer\.citations\.0: /,
  },
  { name: 'web: /ask/render with a question that is an object', send: () => postRaw('/ask/render', JSON.stringify({ answer: { answer: 'x', kind: 'extractive', citations: [], unsupported: [] }, question: {} }), 'application/json'), status: 400, code: 'bad_request', message: /^question: / },
];

// One server for the whole file: MAX_UPLOAD_MB=1, MAX_JSON_KB=8 and the transcript and media limits make "huge" cheap to send.
beforeAll(async () => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'sa-hostile-'));
  mediaRoot = path.join(work, 'media-root');
  outside = path.join(work, 'outside');
  fs.mkdirSync(path.join(mediaRoot, 'talks'), { recursive: true });
  fs.mkdirSync(outside);
  fs.writeFileSync(path.join(outside, 'secret.vtt'), 'WEBVTT\n\n00:00.000 --> 00:02.000\n<v Someone>a file nobody listed\n');
  fs.writeFileSync(path.join(mediaRoot, 'talks', 'allowed.vtt'), GOOD_VTT);
  fs.symlinkSync(outside, path.join(mediaRoot, 'escape'));
  t = await startTestServer({
    EMBEDDINGS: 'none',
    SAMPLE_ARCHIVE: 'off',
    MAX_UPLOAD_MB: '1',
    MAX_JSON_KB: '8',
    MEDIA_ROOTS: mediaRoot,
    MAX_MEDIA_HOURS: '0.001',
    TRANSCRIPT_MAX_MB: '0.5',
    TRANSCRIPT_MAX_CUES: '2000',
    TRANSCRIPT_MAX_CUE_WORDS: '1000',
  });
  const seeded = await transcript('seed.vtt', SEED_VTT, { id: 'seed', title: 'Council seed', collection: 'council', recorded_at: '1987-03-12' });
  expect(seeded.status).toBe(201);
});
afterAll(async () => {
  await t?.close();
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

describe('hostile input: a catalogue of refused requests (PGlite, loopback, real ffprobe)', () => {
  it('holds at least 30 distinct cases', () => {
    expect(new Set(CASES.map((c) => c.name)).size).toBe(CASES.length);
    expect(CASES.length).toBeGreaterThanOrEqual(30);
  });

  it.each(CASES)('$name → $status $code, nothing stored', async (c) => {
    const before = await snapshot();
    const res = await c.send();
    const text = await res.text();
    expect(res.status, text).toBe(c.status);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const body = JSON.parse(text);
    expect(Object.keys(body)).toEqual(['error']);
    expect(body.error.code).toBe(c.code);
    expect(typeof body.error.message).toBe('string');
    expect(body.error.message).toMatch(c.message);
    // Nothing of the server's internals in the message (stack traces, database errors).
    expect(body.error.message).not.toMatch(/\n\s+at |invalid byte sequence|syntax error at/);
    expect(await snapshot()).toEqual(before);
  });
});

describe('hostile input: the web upload form', () => {
  it.each(['multipart/form-data', 'multipart/form-data; boundary=zzz'])('a malformed multipart body (%s) to POST /ingest is a 400 page naming the problem; nothing stored', async (type) => {
    const before = await snapshot();
    const res = await postRaw('/ingest', 'garbage', type);
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await res.text()).toMatch(/cannot read the upload/);
    expect(await snapshot()).toEqual(before);
  });
});

describe('hostile input: injection-shaped values are data, never SQL', () => {
  const INJ = ["'; DROP TABLE recordings; --", "x' OR '1'='1", "%' OR 1=1 --", "Robert'); DELETE FROM moments WHERE ('1'='1", '$1) OR (1=1', "\\'; TRUNCATE lex_postings; --"];
  const enc = encodeURIComponent;

  // Each value is answered normally, as literal text: nothing matches it, and the data is untouched.
  const probes: { name: string; run: (v: string) => Promise<void> }[] = [
    {
      name: 'q (bm25 and hybrid)',
      run: async (v) => {
        for (const mode of ['bm25', 'hybrid']) {
          const res = await get(`/v1/search?q=${enc(v)}&mode=${mode}`);
          expect(res.status).toBe(200);
          expect((await res.json()).query).toBe(v.trim());
        }
      },
    },
    ...(['speaker', 'collection'] as const).map((param) => ({
      name: `${param} filter`,
      run: async (v: string) => {
        const res = await get(`/v1/search?q=housing&mode=bm25&${param}=${enc(v)}`);
        expect(res.status).toBe(200);
        expect((await res.json()).results).toEqual([]);
      },
    })),
    {
      // No recording has that id, and the answer says so with the id as given.
      name: 'recording filter',
      run: async (v: string) => {
        const res = await get(`/v1/search?q=housing&mode=bm25&recording=${enc(v)}`);
        expect(res.status).toBe(404);
        expect((await res.json()).error.message).toBe(`no recording "${v.trim()}"`);
      },
    },
    {
      name: 'recordings q and collection',
      run: async (v) => {
        for (const p of [`q=${enc(v)}`, `collection=${enc(v)}`]) {
          const res = await get(`/v1/recordings?${p}`);
          expect(res.status).toBe(200);
          expect((await res.json()).total).toBe(0);
        }
      },
    },
    {
      name: 'jobs kind',
      run: async (v) => {
        const res = await get(`/v1/jobs?kind=${enc(v)}`);
        expect(res.status).toBe(200);
        expect((await res.json()).items).toEqual([]);
      },
    },
    {
      name: 'ask question, speaker and collection',
      run: async (v) => {
        const res = await ask({ question: v, speaker: v, collection: v });
        expect(res.status).toBe(200);
        expect((await res.json()).citations).toEqual([]);
      },
    },
  ];

  beforeAll(async () => {
    // The filters above find nothing because the values are literal, not because there is nothing to find.
    const base = await (await get('/v1/search?q=housing&mode=bm25&speaker=Chair&collection=council&recording=seed')).json();
    expect(base.results.length).toBeGreaterThan(0);
  });

  it.each(probes)('$name: every value answered 200 as plain text, data unchanged', async (p) => {
    const before = await snapshot();
    for (const v of INJ) await p.run(v);
    expect(await snapshot()).toEqual(before);
    const after = await (await get('/v1/search?q=housing&mode=bm25')).json();
    expect(after.results.map((r: { recording_id: string }) => r.recording_id)).toContain('seed');
  });

  it('LIKE wildcards in /v1/recordings?q= are matched literally', async () => {
    for (const q of ['%', '_', '%%', '\\']) {
      const res = await get(`/v1/recordings?q=${enc(q)}`);
      expect(res.status).toBe(200);
      expect((await res.json()).total, q).toBe(0);
    }
    expect((await (await get('/v1/recordings?q=seed')).json()).total).toBe(1);
  });
});

describe('hostile input: manifest paths are confined to the manifest folder or MEDIA_ROOTS', () => {
  it('from the command line: ../ escapes, absolute paths and symlinks out are refused per line; the other rows ingest', async () => {
    const dir = path.join(work, 'set');
    fs.mkdirSync(path.join(dir, 'recordings'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'recordings', 'ok.vtt'), GOOD_VTT);
    fs.symlinkSync(outside, path.join(dir, 'recordings', 'linked'));
    fs.symlinkSync(path.join(outside, 'secret.vtt'), path.join(dir, 'recordings', 'alias.vtt'));
    const file = path.join(dir, 'manifest.jsonl');
    fs.writeFileSync(
      file,
      jsonl(
        { id: 'cli-ok', transcript: 'recordings/ok.vtt' },
        { id: 'cli-up', transcript: '../outside/secret.vtt' },
        { id: 'cli-abs', transcript: path.join(outside, 'secret.vtt') },
        { id: 'cli-link-dir', transcript: 'recordings/linked/secret.vtt' },
        { id: 'cli-link-file', transcript: 'recordings/alias.vtt' },
        { id: 'cli-root', transcript: path.join(mediaRoot, 'talks', 'allowed.vtt') },
        { id: 'cli-root-link', transcript: path.join(mediaRoot, 'escape', 'secret.vtt') },
        { id: 'cli-media-up', media: '../outside/x.wav' },
      ),
    );
    const before = await snapshot();
    const summary = await ingestManifest(t.services, file);
    expect(summary.failures.map((f) => [f.line, f.id, f.error])).toEqual([
      [2, 'cli-up', expect.stringMatching(/leaves the manifest's folder and MEDIA_ROOTS: "\.\.\/outside\/secret\.vtt"/)],
      [3, 'cli-abs', expect.stringMatching(/outside the manifest's folder and MEDIA_ROOTS: /)],
      [4, 'cli-link-dir', expect.stringMatching(/through a symbolic link: "recordings\/linked\/secret\.vtt"/)],
      [5, 'cli-link-file', expect.stringMatching(/through a symbolic link: "recordings\/alias\.vtt"/)],
      [7, 'cli-root-link', expect.stringMatching(/through a symbolic link/)],
      [8, 'cli-media-up', expect.stringMatching(/leaves the manifest's folder/)],
    ]);
    expect(summary).toMatchObject({ ingested: 2, failed: 6 });
    const after = await snapshot();
    expect(after.recordings).toBe(before.recordings + 2);
    expect(after.blobs).toEqual(before.blobs);
    expect((await t.services.archive.get('cli-root'))?.status).toBe('ready');
    for (const id of ['cli-up', 'cli-abs', 'cli-link-dir', 'cli-link-file', 'cli-root-link', 'cli-media-up']) expect(await t.services.archive.get(id)).toBeNull();
  });

  it('uploaded: relative paths name the uploaded files, absolute ones must be under MEDIA_ROOTS; bad rows are reported by line', async () => {
    const before = await snapshot();
    const res = await manifest(
      jsonl(
        { id: 'up-ok', transcript: 'recordings/ok.vtt' },
        { id: 'up-escape', transcript: '../../../../etc/hostname' },
        { id: 'up-outside', transcript: path.join(outside, 'secret.vtt') },
        { id: 'up-root', transcript: path.join(mediaRoot, 'talks', 'allowed.vtt') },
        { id: 'up-missing', transcript: 'recordings/not-sent.vtt' },
      ),
      { 'recordings/ok.vtt': GOOD_VTT },
    );
    expect(res.status).toBe(202);
    const job = await waitForJob((await res.json()).job.id);
    expect(job.status).toBe('succeeded');
    expect(job.result).toMatchObject({ ingested: 2, failed: 3 });
    expect(job.result.failures.map((f: { line: number; error: string }) => [f.line, f.error])).toEqual([
      [2, expect.stringMatching(/leaves the manifest's folder/)],
      [3, expect.stringMatching(/outside the manifest's folder and MEDIA_ROOTS/)],
      [5, expect.stringMatching(/cannot read transcript recordings\/not-sent\.vtt: ENOENT/)],
    ]);
    const after = await snapshot();
    expect(after.recordings).toBe(before.recordings + 2);
    expect(after.blobs).toEqual(before.blobs);
    // The job removes the uploaded folder once it has recorded its result.
    await vi.waitFor(() => expect(filesUnder(path.join(t.dataDir, 'uploads'))).toEqual([]), { timeout: 5000 });
  });

  it('MEDIA_ROOTS is validated like the other settings', () => {
    expect(loadConfig({}).MEDIA_ROOTS).toEqual([]);
    expect(loadConfig({ MEDIA_ROOTS: ' /srv/media , /mnt/archive/ ' }).MEDIA_ROOTS).toEqual(['/srv/media', '/mnt/archive']);
    expect(() => loadConfig({ MEDIA_ROOTS: '/srv/media,relative/dir' })).toThrow(/MEDIA_ROOTS.*absolute/);
  });
});

describe('hostile input: the limits are settings, validated like the others', () => {
  it('MAX_MEDIA_HOURS and the transcript limits: defaults, and a value that is not a positive number stops the start', () => {
    expect(loadConfig({})).toMatchObject({ MAX_MEDIA_HOURS: 12, TRANSCRIPT_MAX_MB: 20, TRANSCRIPT_MAX_CUES: 50_000, TRANSCRIPT_MAX_CUE_WORDS: 5_000 });
    expect(() => loadConfig({ MAX_MEDIA_HOURS: '0' })).toThrow(/MAX_MEDIA_HOURS/);
    expect(() => loadConfig({ TRANSCRIPT_MAX_CUES: 'many' })).toThrow(/TRANSCRIPT_MAX_CUES/);
    expect(() => loadConfig({ TRANSCRIPT_MAX_CUE_WORDS: '2.5' })).toThrow(/TRANSCRIPT_MAX_CUE_WORDS/);
  });
});

describe('hostile input: refused fields stay documented', () => {
  it('the OpenAPI document is served, and says POST /v1/ask takes no mode', async () => {
    const res = await get('/openapi.json');
    expect(res.status).toBe(200);
    expect((await res.json()).components.schemas.AskRequest.properties.mode.description).toMatch(/^Not taken/);
  });
});

describe('hostile input: languages are tags', () => {
  it('a well-formed tag of a language the analysis does not know is kept, as are "" and null, which clear it', async () => {
    for (const [given, stored] of [['tlh', 'tlh'], ['zh-Hant-TW', 'zh-Hant-TW'], ['es-MX', 'es-MX'], ['', null], [null, null]] as const) {
      const res = await patchJson('/v1/recordings/seed', { language: given });
      expect(res.status, String(given)).toBe(200);
      expect((await res.json()).recording.language).toBe(stored);
    }
    const named = await transcript('a.vtt', GOOD_VTT, { id: 'lang-named', language: 'Español' });
    expect(named.status).toBe(201);
    expect((await named.json()).recording.language).toBe('Español');
  });
});

describe('hostile input: dates are kept as written', () => {
  it('a year below 100 is not moved into the 1900s', async () => {
    const res = await transcript('old.vtt', GOOD_VTT, { id: 'year-50', recorded_at: '0050-06-01' });
    expect(res.status).toBe(201);
    expect((await res.json()).recording.recordedAt).toBe('0050-06-01');
  });
});
