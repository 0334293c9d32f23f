/**
 * Scores the offline (basic) diarizer on a folder of WAV + RTTM (as scripts/diarization-set.ts writes), per
 * file and pooled, beside the "one speaker for everyone" baseline: the same VAD regions, all given to a
 * single speaker — what the archive shows with diarization off. Both share the VAD, so their miss and false
 * alarm are equal and the comparison is on confusion. DER with a ±0.25 s collar (md-eval convention).
 *
 *   npx tsx scripts/der-set.ts [--dir .tmp/diarization-set] [--split heldout|tune|all] [--collar 0.25]
 *                              [--threshold T] [--penalty P] [--bic-lambda L] [--min-speaker S]
 *                              [--oracle-speakers] [--grid 'threshold=1,1.05;bicLambda=1.5,2']
 *
 * `--split` reads `<split>.lst` (one file id a line); `all` scores every WAV with an RTTM beside it.
 * `--grid` tries every combination of the listed BasicDiarizeOptions on the chosen split and prints the
 * pooled DER of each (the audio is decoded and VAD'd once), for tuning on the tune half only.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { decodeStream } from '../src/ingest/audio/decode.js';
import type { Turn } from '../src/ingest/audio/diarize/assign.js';
import { type BasicDiarizeOptions, diarizeFrames } from '../src/ingest/audio/diarize/basic.js';
import { type DerResult, diarizationError, readRttm } from '../src/ingest/audio/diarize/der.js';
import { FrameStore } from '../src/ingest/audio/diarize/features.js';
import { type Region, StreamingVad } from '../src/ingest/audio/vad.js';

const { values } = parseArgs({
  options: {
    dir: { type: 'string', default: path.resolve(import.meta.dirname, '../.tmp/diarization-set') },
    split: { type: 'string', default: 'heldout' },
    collar: { type: 'string', default: '0.25' },
    threshold: { type: 'string' },
    penalty: { type: 'string' },
    'bic-lambda': { type: 'string' },
    'min-speaker': { type: 'string' },
    'oracle-speakers': { type: 'boolean', default: false },
    grid: { type: 'string' },
  },
});
const dir = values.dir!;
const collarS = Number(values.collar);
const ids =
  values.split === 'all'
    ? readdirSync(dir)
        .filter((f) => f.endsWith('.wav') && existsSync(path.join(dir, f.replace(/\.wav$/, '.rttm'))))
        .map((f) => f.replace(/\.wav$/, ''))
        .sort()
    : readFileSync(path.join(dir, `${values.split}.lst`), 'utf8').split('\n').filter(Boolean);

const base: BasicDiarizeOptions = {
  ...(values.threshold ? { threshold: Number(values.threshold) } : {}),
  ...(values.penalty ? { switchPenalty: Number(values.penalty) } : {}),
  ...(values['bic-lambda'] ? { bicLambda: Number(values['bic-lambda']) } : {}),
  ...(values['min-speaker'] ? { minSpeakerS: Number(values['min-speaker']) } : {}),
};

interface Loaded {
  id: string;
  ref: Turn[];
  store: FrameStore;
  regions: Region[];
  seconds: number;
}
const files: Loaded[] = [];
for (const id of ids) {
  const vad = await StreamingVad.create();
  const store = new FrameStore();
  let samples = 0;
  for await (const f of decodeStream(path.join(dir, `${id}.wav`))) {
    store.push(f);
    samples += f.length;
    await vad.push(f);
  }
  const ref = readRttm(path.join(dir, `${id}.rttm`)).get(id) ?? [];
  files.push({ id, ref, store, regions: await vad.finish(), seconds: samples / 16_000 });
}

type Sums = Pick<DerResult, 'total' | 'missed' | 'falseAlarm' | 'confusion'>;
const add = (a: Sums, b: Sums) => {
  for (const k of ['total', 'missed', 'falseAlarm', 'confusion'] as const) a[k] += b[k];
};
const zero = (): Sums => ({ total: 0, missed: 0, falseAlarm: 0, confusion: 0 });
const der = (r: Sums) => (r.missed + r.falseAlarm + r.confusion) / r.total;
const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
const oracle = (f: Loaded) => (values['oracle-speakers'] ? { numSpeakers: new Set(f.ref.map((t) => t.speaker)).size } : {});

function run(f: Loaded, o: BasicDiarizeOptions) {
  const t0 = performance.now();
  const hyp = diarizeFrames(f.store, f.regions, { ...o, ...oracle(f) });
  return { hyp, ms: performance.now() - t0, r: diarizationError(f.ref, hyp, { collarS }) };
}

if (values.grid) {
  const axes = values.grid.split(';').map((a) => {
    const [k, vs] = a.split('=');
    return { k: k.trim() as keyof BasicDiarizeOptions, vs: vs.split(',').map(Number) };
  });
  let combos: BasicDiarizeOptions[] = [{ ...base }];
  for (const { k, vs } of axes) combos = combos.flatMap((c) => vs.map((v) => ({ ...c, [k]: v })));
  console.log(`grid on ${values.split} (${files.length} files), pooled DER and the worst file`);
  for (const o of combos) {
    const pooled = zero();
    let worst = { id: '', der: 0 };
    for (const f of files) {
      const { r } = run(f, o);
      add(pooled, r);
      if (r.der > worst.der) worst = { id: f.id, der: r.der };
    }
    console.log(`${JSON.stringify(o).padEnd(60)} DER ${pct(der(pooled)).padStart(6)}  conf ${pct(pooled.confusion / pooled.total).padStart(6)}  worst ${worst.id} ${pct(worst.der)}`);
  }
} else {
  console.log(
    `basic diarizer vs one speaker, ${values.split} (${files.length} files), collar ±${collarS} s` +
      `${Object.keys(base).length ? `, ${JSON.stringify(base)}` : ''}${values['oracle-speakers'] ? ', speaker count given' : ''}`,
  );
  console.log('| file | length | speakers (ref / found) | basic DER | miss | FA | conf | one speaker DER | better |');
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  const pooled = zero();
  const pooledOne = zero();
  let wins = 0;
  for (const f of files) {
    const { hyp, r } = run(f, base);
    const one = diarizationError(f.ref, f.regions.map((g) => ({ start: g.start, end: g.end, speaker: 'S1' })), { collarS });
    add(pooled, r);
    add(pooledOne, one);
    if (r.der < one.der) wins++;
    const nRef = new Set(f.ref.map((t) => t.speaker)).size;
    const nHyp = new Set(hyp.map((t) => t.speaker)).size;
    console.log(
      `| ${f.id} | ${f.seconds.toFixed(0)} s | ${nRef} / ${nHyp} | ${pct(r.der)} | ${pct(r.missed / r.total)} | ${pct(r.falseAlarm / r.total)} | ` +
        `${pct(r.confusion / r.total)} | ${pct(one.der)} | ${r.der < one.der ? 'yes' : 'no'} |`,
    );
  }
  console.log(
    `| overall | ${files.reduce((s, f) => s + f.seconds, 0).toFixed(0)} s | | ${pct(der(pooled))} | ${pct(pooled.missed / pooled.total)} | ` +
      `${pct(pooled.falseAlarm / pooled.total)} | ${pct(pooled.confusion / pooled.total)} | ${pct(der(pooledOne))} | ${wins}/${files.length} |`,
  );
}
