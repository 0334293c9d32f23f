import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { OpenAiAsrEngine } from '../../src/ingest/audio/asr/openai.js';
import { createAsrEngine } from '../../src/ingest/audio/asr/index.js';
import { asrContract } from '../contract/asr.contract.js';
import { closedPort } from '../embed/fixtures/closed-port.js';

/**
 * A Whisper-like server on loopback. It does not recognise speech; it hears where the upload is loud and
 * answers with timed words spread over that span (the last one running past the end of the audio, as Whisper's
 * sometimes do), and no words for silence. Each answer takes 300 ms, so a caller can abort mid-request.
 */
async function startTranscriptionServer(): Promise<{ baseUrl: string; close(): Promise<void> }> {
  const server: Server = createServer(async (req, res) => {
    const form = await new Response(req as unknown as ReadableStream, { headers: { 'content-type': req.headers['content-type']! } }).formData();
    const wav = Buffer.from(await (form.get('file') as Blob).arrayBuffer());
    const n = (wav.length - 44) / 2;
    const durationS = n / 16000;
    let first = -1;
    let last = -1;
    for (let i = 0; i < n; i++) {
      if (Math.abs(wav.readInt16LE(44 + 2 * i)) > 1000) {
        if (first < 0) first = i;
        last = i;
      }
    }
    await new Promise((r) => setTimeout(r, 300));
    if (res.destroyed) return;
    const said = first < 0 ? [] : ['And', 'so,', 'my', 'fellow', 'Americans,', 'ask', 'not'];
    const from = first / 16000;
    const to = last / 16000 + 0.4;
    const step = (to - from) / Math.max(1, said.length);
    const words = said.map((word, i) => ({ word, start: from + i * step, end: from + (i + 1) * step }));
    res.writeHead(200, { 'content-type': 'application/json' }).end(
      JSON.stringify({
        text: said.join(' '),
        duration: durationS,
        segments: said.length ? [{ start: from, end: to, text: said.join(' '), avg_logprob: -0.3 }] : [],
        words,
      }),
    );
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

asrContract('OpenAI-compatible /audio/transcriptions (loopback server)', async () => {
  const srv = await startTranscriptionServer();
  const port = await closedPort();
  return {
    engine: new OpenAiAsrEngine({ baseUrl: srv.baseUrl, apiKey: 'k', model: 'whisper-1' }),
    close: srv.close,
    failing: { engine: new OpenAiAsrEngine({ baseUrl: `http://asr:pw-in-url@127.0.0.1:${port}/v1?token=tok-in-url`, apiKey: 'k', retries: 0 }), secret: 'in-url' },
    unavailable: {
      async create() {
        const saved = { ...process.env };
        for (const k of ['ASR_BASE_URL', 'OPENAI_BASE_URL', 'ASR_API_KEY', 'OPENAI_API_KEY']) delete process.env[k];
        try {
          return await createAsrEngine('openai');
        } finally {
          Object.assign(process.env, saved);
        }
      },
      names: /ASR_BASE_URL/,
    },
  };
});
