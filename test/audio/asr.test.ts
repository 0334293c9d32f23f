import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asrEngineName, createAsrEngine } from '../../src/ingest/audio/asr/index.js';
import { OpenAiAsrEngine } from '../../src/ingest/audio/asr/openai.js';
import { PocketsphinxEngine, parseContinuousOutput, parseJsonOutput } from '../../src/ingest/audio/asr/pocketsphinx.js';
import { WhisperEngine, findWhisperFiles } from '../../src/ingest/audio/asr/whisper.js';
import { decodeRange } from '../../src/ingest/audio/decode.js';
import { AppError } from '../../src/core/errors.js';
import { JFK_WAV } from './helpers.js';

async function error(p: Promise<unknown> | (() => unknown)): Promise<AppError> {
  let e: unknown;
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (err) {
    e = err;
  }
  expect(e).toBeInstanceOf(AppError);
  return e as AppError;
}

describe('pocketsphinx (Debian CLI)', () => {
  it('transcribes jfk.wav with word times and confidences', async () => {
    const pcm = await decodeRange(JFK_WAV, 0, Infinity);
    const engine = new PocketsphinxEngine();
    const t0 = performance.now();
    const r = await engine.transcribe(pcm);
    const rtf = (performance.now() - t0) / 1000 / 11;
    console.log(`pocketsphinx on jfk.wav: RTF ${rtf.toFixed(2)}: ${r.text}`);

    const reference = 'and so my fellow americans ask not what your country can do for you ask what you can do for your country'.split(' ');
    const got = new Set(r.words.map((w) => w.text.toLowerCase()));
    const hits = [...new Set(reference)].filter((x) => got.has(x));
    expect(hits.length).toBeGreaterThanOrEqual(5);
    for (const w of ['not', 'country', 'you']) expect(got.has(w)).toBe(true);
    r.words.forEach((w, i) => {
      expect(w.start).toBeGreaterThanOrEqual(0);
      expect(w.end).toBeGreaterThan(w.start);
      expect(w.end).toBeLessThanOrEqual(11);
      expect(w.confidence).toBeGreaterThanOrEqual(0);
      expect(w.confidence).toBeLessThanOrEqual(1);
      if (i) expect(w.start).toBeGreaterThanOrEqual(r.words[i - 1].end - 1e-6);
    });
    // Placed where JFK says them: "…ask not" at ~3.3–4.3 s, "country" at ~5.9 s and ~10.2 s.
    const not = r.words.find((w) => w.text === 'not')!;
    expect(not.start).toBeGreaterThan(3.2);
    expect(not.end).toBeLessThan(4.6);
    const country = r.words.filter((w) => w.text === 'country');
    expect(country.some((w) => (w.start > 5.5 && w.start < 6.5) || (w.start > 9.8 && w.start < 10.8))).toBe(true);
  });

  it('parses both CLI output formats and drops fillers', () => {
    const old = 'and not\n<s> 3.170 3.280 1.000300\nand(2) 3.290 3.730 0.985603\n<sil> 3.740 3.980 0.82\n[NOISE] 4.0 4.1 0.5\nnot 3.990 4.300 0.817730\n</s> 4.310 4.760 1.000000\n';
    expect(parseContinuousOutput(old)).toEqual([
      { text: 'and', start: 3.29, end: 3.74, confidence: 0.985603 },
      { text: 'not', start: 3.99, end: 4.31, confidence: 0.81773 },
    ]);
    const v5 = '{"b":0.000,"d":1.2,"p":0.9,"t":"go forward","w":[{"b":0.0,"d":0.1,"p":1,"t":"<sil>"},{"b":0.1,"d":0.4,"p":0.9,"t":"go"},{"b":0.5,"d":0.7,"p":0.8,"t":"forward(2)"}]}\n';
    expect(parseJsonOutput(v5)).toEqual([
      { text: 'go', start: 0.1, end: 0.5, confidence: 0.9 },
      { text: 'forward', start: 0.5, end: 1.2, confidence: 0.8 },
    ]);
  });
});

describe('OpenAI-compatible /audio/transcriptions (loopback server)', () => {
  let server: Server;
  let baseUrl: string;
  const seen: { path: string; auth?: string; fields: Record<string, string[]>; wavHeader: string; bytes: number }[] = [];
  let failures = 0;

  beforeAll(async () => {
    server = createServer(async (req, res) => {
      const body = await new Response(req as unknown as ReadableStream, { headers: { 'content-type': req.headers['content-type']! } }).formData();
      const fields: Record<string, string[]> = {};
      let wavHeader = '';
      let bytes = 0;
      for (const [k, v] of body.entries()) {
        if (typeof v === 'string') (fields[k] ??= []).push(v);
        else {
          const buf = Buffer.from(await v.arrayBuffer());
          wavHeader = buf.toString('ascii', 0, 4) + buf.toString('ascii', 8, 12);
          bytes = buf.length;
        }
      }
      seen.push({ path: req.url!, auth: req.headers.authorization, fields, wavHeader, bytes });
      if (failures > 0) {
        failures--;
        res.writeHead(503, { 'retry-after': '0' }).end('busy');
        return;
      }
      if (req.headers.authorization !== 'Bearer good-key') {
        res.writeHead(401).end('{"error":"bad key"}');
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          text: 'Ask not what your country can do.',
          segments: [{ start: 0, end: 2.5, text: 'Ask not what your country can do.', avg_logprob: -0.2 }],
          words: [
            { word: 'Ask', start: 0.1, end: 0.3 },
            { word: 'not', start: 0.3, end: 0.6 },
            { word: 'what', start: 0.7, end: 0.9 },
            { word: 'your', start: 0.9, end: 1.1 },
            { word: 'country', start: 1.1, end: 1.6 },
            { word: 'can', start: 1.7, end: 1.9 },
            { word: 'do.', start: 1.9, end: 2.4, probability: 0.7 },
          ],
        }),
      );
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('uploads a WAV asking for verbose_json with word timestamps, and maps words', async () => {
    const e = new OpenAiAsrEngine({ baseUrl, apiKey: 'good-key', model: 'whisper-large-v3', language: 'en' });
    const r = await e.transcribe(new Float32Array(16000 * 3));
    const req = seen.at(-1)!;
    expect(req.path).toBe('/v1/audio/transcriptions');
    expect(req.wavHeader).toBe('RIFFWAVE');
    expect(req.bytes).toBe(44 + 16000 * 3 * 2);
    expect(req.fields).toMatchObject({
      model: ['whisper-large-v3'],
      response_format: ['verbose_json'],
      'timestamp_granularities[]': ['word', 'segment'],
      language: ['en'],
    });
    expect(r.text).toBe('Ask not what your country can do.');
    expect(r.words.map((w) => w.text)).toEqual(['Ask', 'not', 'what', 'your', 'country', 'can', 'do.']);
    expect(r.words[4]).toMatchObject({ start: 1.1, end: 1.6 });
    expect(r.words[0].confidence).toBeCloseTo(Math.exp(-0.2), 6); // from the segment
    expect(r.words[6].confidence).toBe(0.7); // the server's own
    expect(e.model).toBe('openai:whisper-large-v3');
  });

  it('retries 503 and reports a rejected key as engine_unavailable', async () => {
    failures = 1;
    const before = seen.length;
    const ok = await new OpenAiAsrEngine({ baseUrl, apiKey: 'good-key' }).transcribe(new Float32Array(1600));
    expect(ok.words.length).toBe(7);
    expect(seen.length - before).toBe(2);
    const e = await error(new OpenAiAsrEngine({ baseUrl, apiKey: 'bad', retries: 0 }).transcribe(new Float32Array(1600)));
    expect(e.code).toBe('engine_unavailable');
    expect(e.message).toMatch(/401/);
  });
});

describe('engine selection and availability errors', () => {
  it('rejects unknown ASR_ENGINE values', async () => {
    expect(asrEngineName(undefined)).toBe('pocketsphinx');
    const e = await error(() => asrEngineName('kaldi'));
    expect(e.message).toMatch(/pocketsphinx, whisper, openai/);
  });

  it('whisper without a model names the download script', async () => {
    const e = await error(WhisperEngine.load({ modelDir: '/nonexistent/whisper-base' }));
    expect(e.code).toBe('engine_unavailable');
    expect(e.message).toMatch(/npm run download-asr-model/);
    expect(e.message).toMatch(/ASR_MODEL_DIR/);
    const e2 = await error(() => findWhisperFiles(JFK_WAV.replace(/jfk\.wav$/, '')));
    expect(e2.message).toMatch(/lacks \*-encoder\.onnx, \*-decoder\.onnx, \*-tokens\.txt/);
  });

  it('openai without a server or key says what to set', async () => {
    const saved = { ...process.env };
    for (const k of ['ASR_BASE_URL', 'OPENAI_BASE_URL', 'ASR_API_KEY', 'OPENAI_API_KEY']) delete process.env[k];
    try {
      const e = await error(createAsrEngine('openai'));
      expect(e.message).toMatch(/ASR_BASE_URL/);
    } finally {
      Object.assign(process.env, saved);
    }
  });

  it('pocketsphinx missing from PATH names the Debian packages', async () => {
    const path = process.env.PATH;
    process.env.PATH = '/nonexistent';
    try {
      const e = await error(createAsrEngine('pocketsphinx'));
      expect(e.code).toBe('engine_unavailable');
      expect(e.message).toMatch(/apt-get install -y pocketsphinx pocketsphinx-en-us/);
    } finally {
      process.env.PATH = path;
    }
  });
});
