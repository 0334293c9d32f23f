import fs from 'node:fs';
import { z } from 'zod';

/** One line of an evaluation set's queries.jsonl: a question, its recording, the answer's spans and, where written, the answer. */
export const EvalQuestion = z.object({ query: z.string(), recording_id: z.string(), gold: z.array(z.tuple([z.number(), z.number()])), language: z.string().default('en'), answer: z.string().optional() });
export type EvalQuestion = z.infer<typeof EvalQuestion>;

/** The questions of a queries.jsonl, each line checked; a bad line is named by its number. */
export function readQuestions(file: string): EvalQuestion[] {
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l, i) => {
      const r = EvalQuestion.safeParse(JSON.parse(l));
      if (!r.success) throw new Error(`${file}:${i + 1}: ${r.error.issues[0].message}`);
      return r.data;
    });
}
