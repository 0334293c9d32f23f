/**
 * Embedding lab: `tsx scripts/eval/embed-lab.ts <eval dir> [--variants text,speakers,no-fillers]`.
 * What should the vector of a moment be computed from? Each recording of the manifest is cut into moments as
 * ingest cuts them (the configured MOMENT_* settings), each moment's text is embedded under each variant, and
 * every question ranks the moments of its own recording by the cosine to the question's vector alone: link
 * nDCG@10 with the link on the moment's start (no merging, no evidence, no sentence placement), so that only
 * what the embedding sees differs. Variants:
 *   text        the moment's text, as ingest embeds it (indexedText)
 *   speakers    the names of the moment's speakers first ("Marketing, Project Manager: …"), diarization's
 *               SPEAKER_nn left out
 *   no-fillers  the text without fillers and backchannels (um, uh, mm-hmm, yeah, okay …) and repeated words
 * and, for finer units than the moment (each sentence of 4 words or more embedded on its own; a moment with none
 * keeps its own vector):
 *   sentences   a moment scores its best sentence's cosine; the link on the moment's start
 *   sentences-at  the same, the link on that sentence's start (as the search opens on a sentence)
 *   text-at     the moment's own vector, the link on the start of its sentence nearest the question
 *   mixed-at    the mean of the moment's cosine and its best sentence's; the link on that sentence
 * Vectors come from the configured embedder through the on-disk cache (--embed-cache, the one `npm run eval`
 * fills), so a variant already embedded costs nothing. Tuning questions and the held-out quarter are reported
 * apart: choose on the first.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import { cosine, cueSentences, type Cue, type Moment } from '../../src/core/index.js';
import { loadConfig } from '../../src/core/config.js';
import { createEmbedder } from '../../src/indexes/embed/index.js';
import { parseTranscript } from '../../src/ingest/formats/index.js';
import { readManifest } from '../../src/ingest/manifest.js';
import { buildMoments } from '../../src/ingest/moments.js';
import { indexedText } from '../../src/ingest/transcript.js';
import { mean, scoreQuery, splitOf } from './metrics.js';
import { readQuestions } from './questions.js';

const program = new Command('embed-lab')
  .argument('<dir>', 'folder with manifest.jsonl and queries.jsonl')
  .option('--variants <list>', 'comma-separated: text, speakers, no-fillers', 'text,speakers')
  .option('--embed-cache <dir>', 'where computed vectors are kept between runs', path.resolve('.tmp/embed-cache'))
  .parse();
const opts = program.opts<{ variants: string; embedCache: string }>();
const dir = path.resolve(program.args[0]);

const FILLERS = new Set('uh um mm hmm mm-hmm uh-huh huh yeah okay ok oh ah eh hm mhm'.split(' '));
const withoutFillers = (text: string) =>
  text
    .split(/\s+/)
    .filter((w) => !FILLERS.has(w.toLowerCase().replace(/[^a-z-]/g, '')))
    .filter((w, i, all) => i === 0 || w.toLowerCase() !== all[i - 1].toLowerCase())
    .join(' ')
    .replace(/\s+([.,?!])/g, '$1')
    .replace(/([.,?!])(\s*[.,?!])+/g, '$1')
    .replace(/^[.,?!\s]+/, '');
const VARIANTS: Record<string, (m: Moment) => string> = {
  text: indexedText,
  speakers: (m) => {
    const named = m.speakers.filter((sp) => !/^SPEAKER_\d+$/.test(sp));
    return named.length ? `${named.join(', ')}: ${indexedText(m)}` : indexedText(m);
  },
  'no-fillers': (m) => withoutFillers(indexedText(m)),
};
/** Variants scored on the moment's sentences: how a moment's score and link come from its and their cosines. */
const FINE: Record<string, (moment: number, sentences: { c: number; start: number }[], start: number) => { score: number; link: number }> = {
  sentences: (m, xs, start) => (xs.length ? { score: Math.max(...xs.map((x) => x.c)), link: start } : { score: m, link: start }),
  'sentences-at': (m, xs, start) => (xs.length ? best(xs, (x) => x.c) : { score: m, link: start }),
  'text-at': (m, xs, start) => ({ score: m, link: xs.length ? best(xs, (x) => x.c).link : start }),
  'mixed-at': (m, xs, start) => (xs.length ? (({ score, link }) => ({ score: (m + score) / 2, link }))(best(xs, (x) => x.c)) : { score: m, link: start }),
};
function best<T extends { start: number }>(xs: T[], by: (x: T) => number): { score: number; link: number } {
  const top = xs.reduce((a, x) => (by(x) > by(a) ? x : a));
  return { score: by(top), link: top.start };
}
/** The sentences of 4 words or more that start inside the moment, timed as the search times them. */
const sentencesOf = (cues: Cue[], m: Moment) =>
  cues
    .filter((c) => c.end > m.start && c.start < m.end)
    .flatMap((c) => cueSentences(c))
    .filter((x) => x.start >= m.start - 0.5 && x.start < m.end && x.text.split(/\s+/).length >= 4);

const variants = opts.variants.split(',');
for (const v of variants) if (!VARIANTS[v] && !FINE[v]) throw new Error(`unknown variant "${v}" (known: ${[...Object.keys(VARIANTS), ...Object.keys(FINE)].join(', ')})`);

const cfg = loadConfig({ ...process.env, DATA_DIR: path.resolve('.tmp/embed-lab') });
const embedder = createEmbedder(cfg, { cacheDir: opts.embedCache });
if (!embedder) throw new Error('EMBEDDINGS=none: there is no model to compare texts with');
await embedder.init();
const { rows, problems } = readManifest(path.join(dir, 'manifest.jsonl'));
if (problems.length) throw new Error(`manifest: ${problems.map((p) => `line ${p.line}: ${p.error}`).join('; ')}`);
const questions = readQuestions(path.join(dir, 'queries.jsonl'));
const settings = { targetS: cfg.MOMENT_TARGET_S, maxS: cfg.MOMENT_MAX_S, overlapS: cfg.MOMENT_OVERLAP_S };

/** Link nDCG@10 per variant, per split. */
const scores: Record<string, Record<'tune' | 'holdout', number[]>> = Object.fromEntries(variants.map((v) => [v, { tune: [], holdout: [] }]));
let done = 0;
for (const { meta, transcriptPath } of rows) {
  const asked = questions.filter((q) => q.recording_id === meta.id);
  if (asked.length === 0 || !transcriptPath) continue;
  const cues = parseTranscript(transcriptPath, fs.readFileSync(transcriptPath, 'utf8'));
  const moments = buildMoments(meta.id, cues, settings);
  const qv = await embedder.embed(asked.map((q) => q.query));
  const fine = variants.some((v) => FINE[v]);
  const sentences = fine ? moments.map((m) => sentencesOf(cues, m)) : [];
  const sv = fine ? await embedder.embed(sentences.flat().map((x) => x.text)) : [];
  // The fine variants all read the moments' own vectors (the `text` variant's).
  const own = fine ? await embedder.embed(moments.map(indexedText)) : [];
  for (const v of variants) {
    if (FINE[v]) {
      asked.forEach((q, i) => {
        let k = 0;
        const top = moments
          .map((m, j) => {
            const xs = sentences[j].map((x) => ({ c: cosine(qv[i], sv[k++]), start: x.start }));
            return { m, ...FINE[v](cosine(qv[i], own[j]), xs, m.start) };
          })
          .sort((a, b) => b.score - a.score)
          .slice(0, 10)
          .map(({ m, link }) => ({ recordingId: meta.id, start: m.start, end: m.end, link }));
        scores[v][splitOf(meta.id)].push(scoreQuery(top, { recordingId: meta.id, spans: q.gold }, 'link').ndcg);
      });
      continue;
    }
    const mv = await embedder.embed(moments.map(VARIANTS[v]));
    asked.forEach((q, i) => {
      const top = moments
        .map((m, j) => ({ m, c: cosine(qv[i], mv[j]) }))
        .sort((a, b) => b.c - a.c)
        .slice(0, 10)
        .map(({ m }) => ({ recordingId: meta.id, start: m.start, end: m.end, link: Math.floor(m.start) }));
      scores[v][splitOf(meta.id)].push(scoreQuery(top, { recordingId: meta.id, spans: q.gold }, 'link').ndcg);
    });
  }
  if (++done % 20 === 0) console.error(`${done} recordings`);
}
console.log(`vector alone within the question's recording, link nDCG@10 (link on the moment's start), ${embedder.model}`);
console.log('variant      tuning (halves)              held-out quarter');
for (const v of variants) {
  const t = scores[v].tune;
  const halves = [t.filter((_, i) => i % 2 === 0), t.filter((_, i) => i % 2 === 1)];
  console.log(`${v.padEnd(12)} ${mean(t).toFixed(4)} (${mean(halves[0]).toFixed(3)}/${mean(halves[1]).toFixed(3)}) n=${t.length}   ${mean(scores[v].holdout).toFixed(4)} n=${scores[v].holdout.length}`);
}
process.exit(0);
