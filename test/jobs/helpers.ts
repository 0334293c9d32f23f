import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AsrEngine, AsrResult } from '../../src/ingest/audio/asr/port.js';
import { SAMPLE_RATE } from '../../src/ingest/audio/decode.js';
import type { RecordingMeta } from '../../src/core/domain.js';

export const meta = (id: string, o: Partial<RecordingMeta> = {}): RecordingMeta => ({
  id,
  title: id,
  recordedAt: '1961-01-20',
  collection: 'speeches',
  language: 'en',
  source: `${id}.wav`,
  ...o,
});

/** A loopback HTTP receiver for webhooks: records JSON bodies; `statuses` are answered in turn (then 200). */
export async function webhookReceiver(statuses: number[] = []): Promise<{ url: string; bodies: unknown[]; statuses: number[]; close(): Promise<void> }> {
  const bodies: unknown[] = [];
  const server = http.createServer((req, res) => {
    let data = '';
    req.setEncoding('utf8').on('data', (d: string) => (data += d));
    req.on('end', () => {
      bodies.push(JSON.parse(data));
      res.writeHead(statuses.shift() ?? 200).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/hook`, bodies, statuses, close: () => new Promise((r) => server.close(() => r())) };
}

/** A fingerprint of a chunk's audio: the same range decodes to the same samples, so a retry has the same one. */
const fingerprint = (pcm: Float32Array) => {
  let e = 0;
  for (let i = 0; i < pcm.length; i += 97) e += Math.abs(pcm[i]);
  return `${pcm.length}:${e.toFixed(3)}`;
};

/**
 * A deterministic engine without ASR cost: two words per chunk derived from its audio. `failFirstChunk`: the
 * first chunk it sees fails on every attempt. `hangAfter`: calls after that many hang for ever (a process
 * that died mid-job).
 */
export function fakeEngine(o: { failFirstChunk?: boolean; hangAfter?: number; delayMs?: number } = {}): AsrEngine & { calls: number } {
  let doomed: string | null = null;
  return {
    name: 'pocketsphinx',
    model: 'fake',
    punctuated: false,
    maxChunkS: 60,
    calls: 0,
    async transcribe(pcm: Float32Array): Promise<AsrResult> {
      const call = ++this.calls;
      if (o.hangAfter !== undefined && call > o.hangAfter) return new Promise<AsrResult>(() => {});
      if (o.delayMs) await new Promise((r) => setTimeout(r, o.delayMs));
      const fp = fingerprint(pcm);
      if (o.failFirstChunk && (doomed === null || doomed === fp)) {
        doomed = fp;
        throw new Error('decoder crashed');
      }
      const d = pcm.length / SAMPLE_RATE;
      const tag = fp.replace(/[^0-9]/g, '').slice(-4);
      return {
        text: `alpha${tag} beta${tag}`,
        words: [
          { start: d * 0.3, end: d * 0.3 + 0.3, text: `alpha${tag}`, confidence: 0.9 },
          { start: d * 0.6, end: d * 0.6 + 0.3, text: `beta${tag}`, confidence: 0.9 },
        ],
      };
    },
  };
}
