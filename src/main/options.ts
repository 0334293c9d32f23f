import { z } from 'zod';
import { AppError, datesInOrder, isoDate, languageTag, noNul, problemsOf, rangeEnd, rangeStart } from '../core/index.js';

/** Options checked by a schema, as the API checks the same fields: a bad value is a `bad_request` naming the option. */
export function parsed<T>(schema: z.ZodType<T>, options: unknown): T {
  const r = schema.safeParse(options);
  if (!r.success) throw new AppError('bad_request', problemsOf(r.error, '--'));
  return r.data;
}

/** A date option, YYYY-MM-DD, checked as the API checks dates. */
export const dateOption = (name: string, value: string): string => parsed(z.object({ [name]: isoDate }), { [name]: value })[name];

/** A language option, a BCP 47 tag, checked as the API checks it. */
export const languageOption = (value: string): string => parsed(z.object({ language: languageTag }), { language: value }).language;

/** --from and --to: dates (or a month or year: from its first day, to its last), in order. */
export const SearchDates = z.object({ from: rangeStart.optional(), to: rangeEnd.optional() }).superRefine(datesInOrder);

/**
 * The parser of a whole-number option from `min` to `max` (a --limit, an --offset) for commander: "abc" or "0"
 * would otherwise reach the database as NaN or an empty page.
 */
export function countOption(name: string, min: number, max = Number.MAX_SAFE_INTEGER): (value: string) => number {
  const range = max === Number.MAX_SAFE_INTEGER ? `a whole number, ${min} or more` : `a whole number from ${min} to ${max}`;
  const schema = z.object({ [name]: z.string().regex(/^\d+$/, `not ${range}`).transform(Number).pipe(z.number().min(min, range).max(max, range)) });
  return (value) => parsed(schema, { [name]: value })[name] as number;
}

/**
 * A query or question argument, as the API takes `q` and `question`: words, at most 1,000 characters. A blank one
 * would list nothing, or answer that the archive holds nothing, as though that were the archive's answer.
 */
export function textArgument(name: string, value: string): string {
  const r = z.string().trim().min(1, 'is empty').max(1000, 'is longer than 1000 characters').refine(...noNul).safeParse(value);
  if (!r.success) throw new AppError('bad_request', `the ${name} ${r.error.issues[0].message}`);
  return r.data;
}
