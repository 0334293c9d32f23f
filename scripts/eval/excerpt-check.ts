/**
 * What a result shows against what its link plays: `tsx scripts/eval/excerpt-check.ts <eval dir> --data-dir
 * <ingested archive>`. Runs each question archive-wide and prints the share of results (and of first results)
 * whose `highlight` holds the sentence their link (`at`) opens on, by its first words. A result whose excerpt
 * shows other talk than the player opens on reads as a wrong hit. Also the share whose link opens on a sentence
 * of BACKCHANNEL_WORDS or fewer ("Mm-hmm.", "Yeah."): what the listener hears first, and what the page marks as
 * the moment.
 */
import path from 'node:path';
import { type SearchMode, cueSentences } from '../../src/core/index.js';
import { searchMoments } from '../../src/retrieval/search.js';
import { BACKCHANNEL_WORDS, spokenWords } from '../../src/retrieval/localise.js';
import { labCommand, openLab } from './lab.js';
import { readQuestions } from './questions.js';

const program = labCommand('excerpt-check').option('--mode <mode>', 'search mode', 'hybrid').parse();
const opts = program.opts<{ dataDir: string; mode: SearchMode; embedCache: string }>();
const queries = readQuestions(path.join(path.resolve(program.args[0]), 'queries.jsonl'));

const s = await openLab(opts);
const words = (text: string) => text.replace(/<\/?mark>|&(quot|amp|lt|gt);/g, ' ').replace(/[^\p{L}\p{N}]+/gu, ' ').trim();
const tally = { all: [0, 0], first: [0, 0] };
const little = { all: [0, 0], first: [0, 0] };
for (const q of queries) {
  const out = await searchMoments(s, { q: q.query, mode: opts.mode, limit: 10, filters: {} });
  for (const [rank, r] of out.results.entries()) {
    if (r.kind !== 'speech') continue;
    const [cues] = await s.archive.segmentsInRanges([{ recordingId: r.recording_id, start: r.at - 1, end: r.at + 1 }]);
    const sentence = cues.flatMap((c) => cueSentences(c)).find((x) => Math.abs(x.start - r.at) < 0.01);
    if (!sentence) continue; // a link on a window's start inside a sentence (a vector-only hit)
    const shown = words(r.highlight).includes(words(sentence.text).split(' ').slice(0, 5).join(' '));
    for (const k of rank === 0 ? (['all', 'first'] as const) : (['all'] as const)) {
      tally[k][0] += shown ? 1 : 0;
      tally[k][1] += 1;
      little[k][0] += spokenWords(sentence.text) <= BACKCHANNEL_WORDS ? 1 : 0;
      little[k][1] += 1;
    }
  }
}
const share = ([n, d]: number[]) => `${n} of ${d} (${((100 * n) / Math.max(d, 1)).toFixed(1)} %)`;
console.log(`results whose excerpt holds the sentence their link opens on: ${share(tally.all)}; first results: ${share(tally.first)}`);
console.log(`results whose link opens on a sentence of ${BACKCHANNEL_WORDS} words or fewer: ${share(little.all)}; first results: ${share(little.first)}`);
await s.close();
