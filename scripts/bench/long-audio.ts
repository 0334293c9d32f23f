/**
 * Memory and throughput of the audio pipeline on long recordings:
 *
 *   npm run bench:long-audio -- [--hours 4] [--asr-hours 0.125,0.25] [--no-asr] [--dir <tmp>]
 *
 * 1. Builds an N-hour MP3 cheaply: one ~1-minute clip (jfk.wav at several gains, with pauses of 0.4–3 s) is
 *    encoded once and repeated with `ffmpeg -stream_loop … -c copy` (no re-encoding), in a temp dir.
 * 2. Runs the streaming analysis pass that transcribeMedia runs first — decode (ffmpeg → 1 s frames) → Silero
 *    VAD → chunk plan ('stream'), and the same with the basic diarizer's MFCCs collected in the pass as
 *    transcribeMedia does ('analyse') — over N/8 hours and over N hours, each in a fresh child process, and
 *    reports peak RSS (process.resourceUsage().maxRSS), RSS sampled
 *    every 250 ms at 25/50/75/100 % of the file, and throughput in × real time.
 * 3. Runs the full transcribeMedia (pocketsphinx + basic diarization) on the shorter durations given by
 *    --asr-hours (pocketsphinx at ~0.3 × real time per core would take hours on the full file), same figures.
 *
 * Each measurement is a separate process so maxRSS is that run's own high-water mark. The pocketsphinx child
 * processes are not in the Node process's RSS: each holds ~110 MB, one per concurrent chunk.
 */
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { planChunks } from '../../src/ingest/audio/chunk.js';
import { SAMPLE_RATE, decodeRange, decodeStream, encodeWav, ffmpegPath, probeMedia } from '../../src/ingest/audio/decode.js';
import { BasicDiarizer } from '../../src/ingest/audio/diarize/basic.js';
import { DIM, FRAME_S } from '../../src/ingest/audio/diarize/features.js';
import { transcribeMedia } from '../../src/ingest/audio/transcribe.js';
import { StreamingVad } from '../../src/ingest/audio/vad.js';

const SELF = fileURLToPath(import.meta.url);
const JFK = path.resolve(path.dirname(SELF), '../../../shared/audio/jfk.wav');

interface Measurement {
  stage: 'stream' | 'analyse' | 'transcribe';
  audioS: number;
  wallS: number;
  /** × real time */
  speed: number;
  maxRssMB: number;
  /** RSS when 25/50/75/100 % of the audio had been processed. */
  rssAtMB: number[];
  regions: number;
  chunks: number;
  words?: number;
  /** Size of the basic diarizer's MFCC store, the one structure that grows with the length. */
  mfccMB?: number;
}

const mb = (bytes: number) => Math.round((bytes / 1e6) * 10) / 10;

/** One ~60 s clip of speech and pauses, then `hours` of it as a stream copy. */
async function makeLongFile(dir: string, hours: number, name: string): Promise<string> {
  const base = path.join(dir, 'base.mp3');
  try {
    statSync(base);
  } catch {
    const jfk = await decodeRange(JFK, 0, Infinity);
    const parts: Float32Array[] = [];
    const pauses = [0.6, 1.2, 3.0, 0.4, 0.9];
    const gains = [1, 0.5, 0.8, 0.3, 1];
    pauses.forEach((p, i) => {
      parts.push(jfk.map((x) => x * gains[i]));
      parts.push(new Float32Array(Math.round(p * SAMPLE_RATE)));
    });
    const pcm = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
    let o = 0;
    for (const p of parts) {
      pcm.set(p, o);
      o += p.length;
    }
    const wav = path.join(dir, 'base.wav');
    writeFileSync(wav, encodeWav(pcm));
    execFileSync(ffmpegPath(), ['-nostdin', '-v', 'error', '-y', '-i', wav, '-ac', '1', '-ar', '16000', '-c:a', 'libmp3lame', '-b:a', '32k', base]);
  }
  const baseS = (await probeMedia(base)).durationS;
  const out = path.join(dir, name);
  const loops = Math.max(1, Math.round((hours * 3600) / baseS));
  execFileSync(ffmpegPath(), ['-nostdin', '-v', 'error', '-y', '-stream_loop', String(loops - 1), '-i', base, '-c', 'copy', out]);
  return out;
}

/** RSS sampled on a timer; `mark(fraction)` records it at progress milestones. */
function rssSampler() {
  let peak = 0;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 250);
  const at: number[] = [];
  const marks = [0.25, 0.5, 0.75, 1];
  return {
    mark(f: number) {
      while (at.length < marks.length && f >= marks[at.length]) at.push(mb(process.memoryUsage().rss));
    },
    stop() {
      clearInterval(timer);
      while (at.length < marks.length) at.push(mb(process.memoryUsage().rss));
      return { peakSampled: peak, at };
    },
  };
}

/** decode → VAD → chunk plan ('stream'), plus the basic diarizer's features in the same pass ('analyse'). */
async function childAnalyse(file: string, withFeatures: boolean): Promise<Measurement> {
  const t0 = performance.now();
  const info = await probeMedia(file);
  const rss = rssSampler();
  const vad = await StreamingVad.create();
  const basic = withFeatures ? new BasicDiarizer() : null;
  for await (const frame of decodeStream(file)) {
    basic?.push(frame);
    await vad.push(frame);
    rss.mark(vad.durationS / info.durationS);
  }
  const regions = await vad.finish();
  const chunks = planChunks(regions, vad.durationS);
  const wallS = (performance.now() - t0) / 1000;
  const { at } = rss.stop();
  // DIM quantised cepstra (Int16) per 10 ms frame, in pages of 65,536 frames: what the basic diarizer keeps.
  const mfccMB = withFeatures ? mb(Math.ceil(vad.durationS / FRAME_S / 65536) * 65536 * DIM * 2) : undefined;
  return { stage: withFeatures ? 'analyse' : 'stream', audioS: vad.durationS, wallS, speed: vad.durationS / wallS, maxRssMB: mb(process.resourceUsage().maxRSS * 1024), rssAtMB: at, regions: regions.length, chunks: chunks.length, mfccMB };
}

async function childTranscribe(file: string): Promise<Measurement> {
  const t0 = performance.now();
  const rss = rssSampler();
  const r = await transcribeMedia(file, {
    diarization: 'basic',
    // Milestones over the ASR stage, the long one.
    onProgress: (stage, f) => stage === 'asr' && rss.mark(f),
  });
  const wallS = (performance.now() - t0) / 1000;
  const { at } = rss.stop();
  return {
    stage: 'transcribe',
    audioS: r.durationS,
    wallS,
    speed: r.durationS / wallS,
    maxRssMB: mb(process.resourceUsage().maxRSS * 1024),
    rssAtMB: at,
    regions: r.regions.length,
    chunks: r.chunks.length,
    words: r.words.length,
  };
}

function runChild(stage: Measurement['stage'], file: string): Promise<Measurement> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [...process.execArgv, SELF, '--child', stage, '--file', file], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    p.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    p.on('error', reject);
    p.on('close', (code) => {
      if (code !== 0) return reject(new Error(`${stage} on ${path.basename(file)} exited ${code}`));
      const line = out.trim().split('\n').pop() ?? '';
      resolve(JSON.parse(line) as Measurement);
    });
  });
}

const fmtH = (s: number) => (s >= 3600 ? `${(s / 3600).toFixed(2)} h` : `${(s / 60).toFixed(1)} min`);

function row(m: Measurement): string {
  return [
    m.stage.padEnd(10),
    fmtH(m.audioS).padStart(9),
    `${m.wallS.toFixed(1)} s`.padStart(9),
    `${m.speed.toFixed(1)}×`.padStart(8),
    `${m.maxRssMB} MB`.padStart(10),
    m.rssAtMB.map((x) => String(x)).join(' / ').padStart(26),
    String(m.regions).padStart(7),
    String(m.chunks).padStart(6),
    m.words !== undefined ? String(m.words).padStart(6) : '     -',
    m.mfccMB !== undefined ? `${m.mfccMB} MB`.padStart(8) : '       -',
  ].join('  ');
}

const opts = new Command('bench-long-audio')
  .option('--hours <h>', 'length of the long file', parseFloat, 4)
  .option('--asr-hours <list>', 'lengths for the full transcribeMedia runs (comma-separated hours)', '0.125,0.25')
  .option('--no-asr', 'skip the full transcribeMedia runs')
  .option('--dir <dir>', 'work directory (default: a new temp dir, removed at the end)')
  .option('--child <stage>')
  .option('--file <file>')
  .parse()
  .opts<{ hours: number; asrHours: string; asr: boolean; dir?: string; child?: string; file?: string }>();

if (opts.child) {
  const m = opts.child === 'transcribe' ? await childTranscribe(opts.file!) : await childAnalyse(opts.file!, opts.child === 'analyse');
  process.stdout.write(JSON.stringify(m) + '\n');
  process.exit(0);
}

const dir = opts.dir ?? mkdtempSync(path.join(os.tmpdir(), 'bench-long-audio-'));
try {
  console.log(`machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? '?'}, node ${process.version}; work dir ${dir}`);
  const t = performance.now();
  const long = await makeLongFile(dir, opts.hours, `long-${opts.hours}h.mp3`);
  console.log(`made ${path.basename(long)} (${fmtH((await probeMedia(long)).durationS)}, ${mb(statSync(long).size)} MB) in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  const short = await makeLongFile(dir, opts.hours / 8, `long-${opts.hours / 8}h.mp3`);

  console.log(['stage'.padEnd(10), 'audio'.padStart(9), 'wall'.padStart(9), 'speed'.padStart(8), 'max RSS'.padStart(10), 'RSS MB at 25/50/75/100 %'.padStart(26), 'regions'.padStart(7), 'chunks'.padStart(6), ' words', '   MFCCs'].join('  '));
  for (const stage of ['stream', 'analyse'] as const) for (const f of [short, long]) console.log(row(await runChild(stage, f)));
  if (opts.asr) {
    for (const h of opts.asrHours.split(',').map(Number).filter((x) => x > 0)) {
      const f = await makeLongFile(dir, h, `asr-${h}h.mp3`);
      console.log(row(await runChild('transcribe', f)));
    }
  }
} finally {
  if (!opts.dir) rmSync(dir, { recursive: true, force: true });
}
