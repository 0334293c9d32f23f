/**
 * Any OpenAI-compatible `/audio/transcriptions` endpoint (OpenAI, Groq, speaches / faster-whisper-server,
 * LocalAI, whisper.cpp server): one multipart POST per chunk as a 16-bit WAV, asking for `verbose_json` with
 * `timestamp_granularities[]=word` so words come back timed.
 *
 * OpenAI gives no per-word probability; segment `avg_logprob` stands in for the words of that segment, and a
 * server's own `probability` per word is used when it sends one. Uploads are capped at 25 MB (OpenAI's limit,
 * ≈13 min of 16 kHz PCM); the chunk planner keeps far below it.
 */
import { type Word, AppError, redactUrls, safeUrl, engineSettings } from '../../../core/index.js';
import { SAMPLE_RATE, encodeWav } from '../decode.js';
import { type AsrEngine, type AsrOptions, type AsrResult, spreadWords, tidyWords } from './port.js';

export const MAX_UPLOAD_BYTES = 25 * 1024 * 1024;

export interface OpenAiAsrOptions {
  /** Default ASR_BASE_URL, else OPENAI_BASE_URL, else https://api.openai.com/v1. */
  baseUrl?: string;
  /** Default ASR_API_KEY, else OPENAI_API_KEY. Local servers usually accept any value. */
  apiKey?: string;
  /** Default ASR_MODEL, else whisper-1. */
  model?: string;
  language?: string;
  /** Per request. Default 120 s. */
  timeoutMs?: number;
  /** Retries on 429, 5xx and network errors. Default 2. */
  retries?: number;
}

interface VerboseJson {
  text?: string;
  words?: { word: string; start: number; end: number; probability?: number }[];
  segments?: { start: number; end: number; text: string; avg_logprob?: number }[];
}

export class OpenAiAsrEngine implements AsrEngine {
  readonly name = 'openai' as const;
  readonly punctuated = true;
  readonly maxChunkS = 600;
  readonly model: string;
  private readonly url: string;
  private readonly apiKey: string | undefined;
  private readonly modelName: string;

  constructor(private readonly o: OpenAiAsrOptions = {}) {
    const env = engineSettings();
    const base = o.baseUrl ?? env.ASR_BASE_URL ?? env.OPENAI_BASE_URL;
    this.apiKey = o.apiKey ?? env.ASR_API_KEY ?? env.OPENAI_API_KEY;
    if (!base && !this.apiKey) {
      throw new AppError('engine_unavailable', 'ASR_ENGINE=openai needs ASR_BASE_URL (an OpenAI-compatible server, e.g. http://127.0.0.1:8000/v1) or ASR_API_KEY / OPENAI_API_KEY for api.openai.com');
    }
    this.url = `${(base ?? 'https://api.openai.com/v1').replace(/\/+$/, '')}/audio/transcriptions`;
    this.modelName = o.model ?? env.ASR_MODEL ?? 'whisper-1';
    this.model = `openai:${this.modelName}`;
  }

  async transcribe(pcm: Float32Array, opts: AsrOptions = {}): Promise<AsrResult> {
    const durationS = pcm.length / SAMPLE_RATE;
    const wav = encodeWav(pcm);
    if (wav.length > MAX_UPLOAD_BYTES) {
      throw new AppError('payload_too_large', `chunk of ${durationS.toFixed(0)} s is ${(wav.length / 1e6).toFixed(1)} MB as WAV, over the 25 MB upload limit: use a smaller chunk size`);
    }
    const j = await this.post(wav, opts);
    const words = tidyWords(toWords(j, durationS), durationS);
    return { words, text: (j.text ?? words.map((w) => w.text).join(' ')).trim() };
  }

  private async post(wav: Buffer, opts: AsrOptions): Promise<VerboseJson> {
    const retries = this.o.retries ?? 2;
    for (let attempt = 0; ; attempt++) {
      opts.signal?.throwIfAborted();
      const form = new FormData();
      form.append('file', new Blob([new Uint8Array(wav)], { type: 'audio/wav' }), 'chunk.wav');
      form.append('model', this.modelName);
      form.append('response_format', 'verbose_json');
      form.append('timestamp_granularities[]', 'word');
      form.append('timestamp_granularities[]', 'segment');
      const language = opts.language ?? this.o.language ?? engineSettings().ASR_LANGUAGE;
      if (language) form.append('language', language);
      const signals = [AbortSignal.timeout(this.o.timeoutMs ?? 120_000), ...(opts.signal ? [opts.signal] : [])];
      let res: Response;
      try {
        res = await fetch(this.url, {
          method: 'POST',
          body: form,
          headers: this.apiKey ? { authorization: `Bearer ${this.apiKey}` } : {},
          signal: AbortSignal.any(signals),
        });
      } catch (e) {
        if (opts.signal?.aborted) throw opts.signal.reason;
        if (attempt < retries) {
          await sleep(1000 * 2 ** attempt);
          continue;
        }
        throw new AppError('upstream_error', `ASR request to ${safeUrl(this.url)} failed: ${redactUrls((e as Error).message)}`);
      }
      if (res.ok) return (await res.json()) as VerboseJson;
      const body = (await res.text()).slice(0, 300);
      if ((res.status === 429 || res.status >= 500) && attempt < retries) {
        const after = Number(res.headers.get('retry-after'));
        await sleep(Number.isFinite(after) && after > 0 ? Math.min(after, 30) * 1000 : 1000 * 2 ** attempt);
        continue;
      }
      const code = res.status === 401 || res.status === 403 ? 'engine_unavailable' : 'upstream_error';
      throw new AppError(code, `ASR server answered ${res.status} for ${safeUrl(this.url)}: ${body}`);
    }
  }
}

/** verbose_json → words; a server that ignores timestamp_granularities gets segment-level times spread. */
export function toWords(j: VerboseJson, durationS: number): Word[] {
  const segs = j.segments ?? [];
  const segConf = (t: number) => {
    const s = segs.find((g) => t >= g.start && t < g.end);
    return s?.avg_logprob !== undefined ? Math.exp(s.avg_logprob) : undefined;
  };
  if (j.words?.length) {
    return j.words.map((w) => {
      const confidence = w.probability ?? segConf((w.start + w.end) / 2);
      return { text: w.word.trim(), start: w.start, end: w.end, ...(confidence !== undefined ? { confidence } : {}) };
    });
  }
  if (segs.length) return segs.flatMap((s) => spreadWords(s.text.trim().split(/\s+/).filter(Boolean), s.start, s.end, Math.min(0.5, segConf(s.start) ?? 0.5)));
  const texts = (j.text ?? '').trim().split(/\s+/).filter(Boolean);
  return spreadWords(texts, 0, durationS, 0.3);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
