/**
 * Builds a labelled diarization set offline: multi-speaker conversations spoken by Debian's flite voices,
 * each voice one speaker, with an RTTM that is exact because every turn is placed by this script.
 *
 *   npx tsx scripts/diarization-set.ts [--out .tmp/diarization-set] [--count 20] [--seed 1] [--similar]
 *
 * Each conversation has 2–4 speakers (kal, awb, rms, slt; kal16 is the same talker as kal, so it stands in
 * for kal in some conversations but never beside it), alternating turns of 2–20 s of text from the real
 * meeting transcripts in shared/eval/dev, pauses of 0.1–1.2 s (a few of 1.5–3 s), 1–3 minutes in all,
 * per-speaker gains and a faint noise floor so that silence is not digital zero. Reference turns are the
 * voiced stretches of each utterance (pauses inside one longer than 0.3 s split it), found on the
 * synthesised samples before mixing.
 *
 * `--similar` makes every second speaker the previous one's voice shifted by ±1.5 or ±3 semitones (sox
 * pitch, labelled `voice@cents`): pairs of similar voices, the case the basic diarizer is weakest on.
 *
 * Output: c00.wav … and c00.rttm …, one file a conversation, plus `tune.lst` and `heldout.lst` (even ids
 * tune, odd ids held out: fixed by id so a set rebuilt with the same seed splits the same way) and
 * `set.json` describing each conversation. The same seed gives the same files.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { rng } from '../src/core/math.js';

const { values } = parseArgs({
  options: {
    out: { type: 'string', default: path.resolve(import.meta.dirname, '../.tmp/diarization-set') },
    count: { type: 'string', default: '20' },
    seed: { type: 'string', default: '1' },
    text: { type: 'string', default: path.resolve(import.meta.dirname, '../../shared/eval/dev/recordings') },
    similar: { type: 'boolean', default: false },
  },
});
const RATE = 16_000;
const out = values.out!;
const count = Number(values.count);
const seed = Number(values.seed);


// Text: the words of the real meeting transcripts (the TinyRec ones: ordinary punctuation, real talk).
const words = readdirSync(values.text!)
  .filter((f) => /^[0-9a-f-]{36}\.vtt$/.test(f))
  .sort()
  .flatMap((f) =>
    readFileSync(path.join(values.text!, f), 'utf8')
      .split('\n')
      .filter((l) => l.startsWith('<v '))
      .map((l) => l.replace(/^<v [^>]*>/, '').replace(/[{}<>[\]]/g, ' '))
      .join(' ')
      .split(/\s+/)
      .filter((w) => /[a-z0-9]/i.test(w)),
  );
if (words.length < 1000) throw new Error(`too little text in ${values.text}`);

/** 16-bit PCM WAV → Float32 samples (sox already resampled to 16 kHz mono). */
function readWav(file: string): Float32Array {
  const b = readFileSync(file);
  let p = 12;
  while (p + 8 <= b.length) {
    const id = b.toString('ascii', p, p + 4);
    const size = b.readUInt32LE(p + 4);
    if (id === 'data') {
      const n = Math.floor(Math.min(size, b.length - p - 8) / 2);
      const s = new Float32Array(n);
      for (let i = 0; i < n; i++) s[i] = b.readInt16LE(p + 8 + 2 * i) / 32768;
      return s;
    }
    p += 8 + size + (size & 1);
  }
  throw new Error(`no data chunk in ${file}`);
}

function writeWav(file: string, s: Float32Array): void {
  const b = Buffer.alloc(44 + 2 * s.length);
  b.write('RIFF', 0, 'ascii');
  b.writeUInt32LE(36 + 2 * s.length, 4);
  b.write('WAVEfmt ', 8, 'ascii');
  b.writeUInt32LE(16, 16);
  b.writeUInt16LE(1, 20);
  b.writeUInt16LE(1, 22);
  b.writeUInt32LE(RATE, 24);
  b.writeUInt32LE(RATE * 2, 28);
  b.writeUInt16LE(2, 32);
  b.writeUInt16LE(16, 34);
  b.write('data', 36, 'ascii');
  b.writeUInt32LE(2 * s.length, 40);
  for (let i = 0; i < s.length; i++) b.writeInt16LE(Math.max(-32768, Math.min(32767, Math.round(s[i] * 32767))), 44 + 2 * i);
  writeFileSync(file, b);
}

const work = mkdtempSync(path.join(tmpdir(), 'diar-set-'));
let nSynth = 0;
/** `voice` is a flite voice, or `voice@cents` for that voice pitch-shifted (a different, similar speaker). */
function speak(speaker: string, text: string): Float32Array {
  const [voice, cents] = speaker.split('@');
  const raw = path.join(work, `u${nSynth}.wav`);
  const wav = path.join(work, `u${nSynth++}-16k.wav`);
  execFileSync('flite', ['-voice', voice, '-t', text, '-o', raw]);
  execFileSync('sox', [raw, '-r', String(RATE), '-c', '1', '-b', '16', wav, ...(cents ? ['pitch', cents] : [])]);
  const s = readWav(wav);
  rmSync(raw);
  rmSync(wav);
  return s;
}

/**
 * Voiced stretches of an utterance (seconds from its first sample): 10 ms frames whose RMS is within
 * 40 dB of the loudest frame, gaps under 0.3 s bridged. flite's silences are digital zero, so this is exact
 * up to a frame.
 */
function voiced(s: Float32Array): Array<[number, number]> {
  const hop = RATE / 100;
  const rms: number[] = [];
  for (let i = 0; i + hop <= s.length; i += hop) {
    let e = 0;
    for (let j = i; j < i + hop; j++) e += s[j] * s[j];
    rms.push(Math.sqrt(e / hop));
  }
  const floor = Math.max(...rms) * 10 ** (-40 / 20);
  const runs: Array<[number, number]> = [];
  for (let f = 0; f < rms.length; f++) {
    if (rms[f] < floor) continue;
    const last = runs[runs.length - 1];
    if (last && f - last[1] < 30) last[1] = f + 1;
    else runs.push([f, f + 1]);
  }
  return runs.map(([a, b]) => [a / 100, b / 100]);
}

const VOICES = ['kal', 'awb', 'rms', 'slt'];
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
const meta: unknown[] = [];
const tune: string[] = [];
const heldout: string[] = [];
for (let c = 0; c < count; c++) {
  const id = `c${String(c).padStart(2, '0')}`;
  const r = rng(seed * 1000 + c);
  const nSpk = 2 + Math.floor(r() * 3);
  const pool = [...VOICES];
  for (let i = pool.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [pool[i], pool[j]] = [pool[j], pool[i]];
  }
  let speakers = pool.slice(0, nSpk).map((v) => (v === 'kal' && r() < 0.5 ? 'kal16' : v));
  if (values.similar) {
    // Pairs of one voice at two pitches: the hard case of two similar voices in one conversation.
    const shifts = ['-300', '+300', '-150', '+150'];
    speakers = speakers.map((v, i) => (i % 2 === 0 ? v : `${speakers[i - 1]}@${shifts[Math.floor(r() * shifts.length)]}`));
  }
  const gain = new Map(speakers.map((v) => [v, 0.35 + 0.6 * r()]));
  const target = 60 + 120 * r();
  const chunks: Array<{ at: number; s: Float32Array }> = [];
  const rttm: string[] = [];
  let t = 0.3 + r();
  let prev = -1;
  let turns = 0;
  while (t < target) {
    // Alternate: never the same speaker twice running, otherwise uniform.
    let k = Math.floor(r() * nSpk);
    if (k === prev) k = (k + 1 + Math.floor(r() * (nSpk - 1))) % nSpk;
    prev = k;
    const voice = speakers[k];
    // Skewed towards short turns, as in meetings; never past 3 minutes in all.
    const seconds = Math.min(2 + 18 * r() ** 1.5, 176 - t);
    if (seconds < 2) break;
    const n = Math.max(4, Math.round(seconds * 2.7));
    const from = Math.floor(r() * (words.length - n));
    const s = speak(voice, words.slice(from, from + n).join(' '));
    const v = voiced(s);
    if (!v.length) continue;
    const g = gain.get(voice)!;
    for (let i = 0; i < s.length; i++) s[i] *= g;
    // Place the utterance so that its first voiced sample falls at t.
    const at = t - v[0][0];
    chunks.push({ at, s });
    for (const [a, b] of v) rttm.push(`SPEAKER ${id} 1 ${(at + a).toFixed(3)} ${(b - a).toFixed(3)} <NA> <NA> ${voice} <NA> <NA>`);
    turns++;
    t = at + v[v.length - 1][1] + (r() < 0.15 ? 1.5 + 1.5 * r() : 0.1 + 1.1 * r());
  }
  const total = Math.ceil((t + 0.5) * RATE);
  const mix = new Float32Array(total);
  for (const { at, s } of chunks) {
    const o = Math.round(at * RATE);
    for (let i = 0; i < s.length && o + i < total; i++) if (o + i >= 0) mix[o + i] += s[i];
  }
  // Noise floor about 60 dB under full scale (uniform, so ±0.0017 has RMS 0.001).
  for (let i = 0; i < total; i++) mix[i] += (r() * 2 - 1) * 0.0017;
  writeWav(path.join(out, `${id}.wav`), mix);
  writeFileSync(path.join(out, `${id}.rttm`), rttm.join('\n') + '\n');
  (c % 2 === 0 ? tune : heldout).push(id);
  meta.push({ id, split: c % 2 === 0 ? 'tune' : 'heldout', seconds: +(total / RATE).toFixed(1), speakers, turns });
  console.log(`${id}  ${(total / RATE).toFixed(1).padStart(6)} s  ${turns} turns  ${speakers.join(', ')}`);
}
writeFileSync(path.join(out, 'tune.lst'), tune.join('\n') + '\n');
writeFileSync(path.join(out, 'heldout.lst'), heldout.join('\n') + '\n');
writeFileSync(path.join(out, 'set.json'), JSON.stringify({ seed, conversations: meta }, null, 2) + '\n');
rmSync(work, { recursive: true, force: true });
