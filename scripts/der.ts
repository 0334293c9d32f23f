/**
 * Scores the offline (basic) diarizer on the shared test recordings: DER with a ±0.25 s collar (md-eval
 * convention), using the UEM where one is given, per file and pooled over all files.
 *
 *   npx tsx scripts/der.ts [--dir ../shared/audio/diarization] [--collar 0.25] [--threshold T] [--speakers N]
 *                          [--penalty P] [--rttm-out dir]
 *
 * Files: sample.wav vs sample.rttm (no UEM: scored over the extent of reference ∪ hypothesis), and
 * dev00.wav, dev01.wav vs dev.rttm + dev.uem.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { decodeStream } from '../src/ingest/audio/decode.js';
import { BasicDiarizer } from '../src/ingest/audio/diarize/basic.js';
import { diarizationError, readRttm, readUem, toRttm, type DerResult } from '../src/ingest/audio/diarize/der.js';
import { StreamingVad } from '../src/ingest/audio/vad.js';

const { values } = parseArgs({
  options: {
    dir: { type: 'string', default: path.resolve(import.meta.dirname, '../../shared/audio/diarization') },
    collar: { type: 'string', default: '0.25' },
    threshold: { type: 'string' },
    speakers: { type: 'string' },
    penalty: { type: 'string' },
    'rttm-out': { type: 'string' },
  },
});
const dir = values.dir!;
const collarS = Number(values.collar);

const sets = [
  { file: 'sample', rttm: 'sample.rttm', uem: undefined },
  { file: 'dev00', rttm: 'dev.rttm', uem: 'dev.uem' },
  { file: 'dev01', rttm: 'dev.rttm', uem: 'dev.uem' },
];

const pooled = { total: 0, missed: 0, falseAlarm: 0, confusion: 0 };
const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
const row = (name: string, r: Pick<DerResult, 'total' | 'missed' | 'falseAlarm' | 'confusion'>, extra = '') =>
  console.log(
    `${name.padEnd(8)} DER ${pct((r.missed + r.falseAlarm + r.confusion) / r.total).padStart(6)}  ` +
      `miss ${pct(r.missed / r.total).padStart(6)}  FA ${pct(r.falseAlarm / r.total).padStart(6)}  ` +
      `conf ${pct(r.confusion / r.total).padStart(6)}  scored ${r.total.toFixed(1)} s${extra}`,
  );

console.log(`basic diarizer, collar ±${collarS} s${values.threshold ? `, threshold ${values.threshold}` : ''}${values.speakers ? `, ${values.speakers} speakers given` : ''}`);
for (const s of sets) {
  const wav = path.join(dir, `${s.file}.wav`);
  if (!existsSync(wav)) {
    console.log(`${s.file}: missing ${wav}, skipped`);
    continue;
  }
  const t0 = performance.now();
  const vad = await StreamingVad.create();
  const diar = new BasicDiarizer({
    ...(values.threshold ? { threshold: Number(values.threshold) } : {}),
    ...(values.speakers ? { numSpeakers: Number(values.speakers) } : {}),
    ...(values.penalty ? { switchPenalty: Number(values.penalty) } : {}),
  });
  for await (const f of decodeStream(wav)) {
    diar.push(f);
    await vad.push(f);
  }
  const hyp = diar.finish(await vad.finish());
  const ms = performance.now() - t0;
  const ref = readRttm(path.join(dir, s.rttm)).get(s.file) ?? [];
  const uem = s.uem ? readUem(path.join(dir, s.uem)).get(s.file) : undefined;
  const r = diarizationError(ref, hyp, { collarS, uem });
  for (const k of ['total', 'missed', 'falseAlarm', 'confusion'] as const) pooled[k] += r[k];
  const nHyp = new Set(hyp.map((t) => t.speaker)).size;
  const nRef = new Set(ref.map((t) => t.speaker)).size;
  row(s.file, r, `  speakers ${nHyp} (ref ${nRef})  ${ms.toFixed(0)} ms`);
  if (values['rttm-out']) {
    mkdirSync(values['rttm-out'], { recursive: true });
    writeFileSync(path.join(values['rttm-out'], `${s.file}.rttm`), toRttm(s.file, hyp));
  }
}
if (pooled.total > 0) row('overall', pooled);
