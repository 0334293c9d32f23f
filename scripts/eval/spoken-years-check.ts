/**
 * What reading spoken years does to an evaluation set: `tsx scripts/eval/spoken-years-check.ts <eval dir>`.
 * Each cue of each transcript is read as an engine without punctuation (pocketsphinx) would write it (lower-case
 * words, no punctuation, one speaker, no pauses) and put through the reading ingest applies to such an engine's
 * words (spokenYearsIn, as src/ingest/audio/years.ts calls it); every phrase read as a year is printed with its
 * recording and the words around it, then how many there were, and how many of the set's questions change.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import { spokenYearsIn, writeSpokenYears } from '../../src/core/index.js';
import { parseTranscript } from '../../src/ingest/formats/index.js';
import { readManifest } from '../../src/ingest/manifest.js';
import { readQuestions } from './questions.js';

const program = new Command('spoken-years-check').argument('<dir>', 'folder with manifest.jsonl and queries.jsonl').parse();
const dir = path.resolve(program.args[0]);
const { rows } = readManifest(path.join(dir, 'manifest.jsonl'));
let cues = 0;
let read = 0;
for (const { meta, transcriptPath } of rows) {
  if (!transcriptPath) continue;
  for (const cue of parseTranscript(transcriptPath, fs.readFileSync(transcriptPath, 'utf8'))) {
    cues++;
    // One speaker, no pauses: every word may join the one before it.
    const said = cue.text.toLowerCase().match(/[\p{L}\p{N}']+/gu) ?? [];
    for (const { at, length, text } of spokenYearsIn(said)) {
      read++;
      console.log(`${meta.id}: …${said.slice(Math.max(0, at - 5), at).join(' ')} [${said.slice(at, at + length).join(' ')} → ${text}] ${said.slice(at + length, at + length + 4).join(' ')}…`);
    }
  }
}
console.log(`${read} phrases read as years in ${cues} cues of ${rows.length} recordings`);
const questions = readQuestions(path.join(dir, 'queries.jsonl'));
const changed = questions.filter((q) => writeSpokenYears(q.query) !== q.query);
console.log(`${changed.length} of ${questions.length} questions read differently`);
for (const q of changed) console.log(`  ${q.query} → ${writeSpokenYears(q.query)}`);
