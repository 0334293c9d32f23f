import fs from 'node:fs';
import path from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import { z } from 'zod';
import type { RecordingMeta } from '../src/domain.js';
import { AppError } from '../src/errors.js';

export const RECORDING_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** A calendar date that really exists; '1987' and '1987-05' are read as the first day. */
export const isoDate = z
  .string()
  .trim()
  .transform((v, ctx) => {
    const m = /^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?$/.exec(v);
    const d = m ? new Date(Date.UTC(+m[1], +(m[2] ?? 1) - 1, +(m[3] ?? 1))) : null;
    if (!m || !d || d.getUTCMonth() !== +(m[2] ?? 1) - 1 || d.getUTCDate() !== +(m[3] ?? 1)) {
      ctx.addIssue({ code: 'custom', message: `not a date (YYYY-MM-DD): "${v}"` });
      return z.NEVER;
    }
    return d.toISOString().slice(0, 10);
  });

const blankToUndefined = (v: unknown) => (v === null || (typeof v === 'string' && v.trim() === '') ? undefined : v);

const rowSchema = z
  .object({
    id: z.preprocess(blankToUndefined, z.string().trim().regex(RECORDING_ID, 'id must be 1-128 letters, digits, ".", "_" or "-"').optional()),
    title: z.preprocess(blankToUndefined, z.string().trim().max(500).optional()),
    recorded_at: z.preprocess(blankToUndefined, isoDate.optional()),
    collection: z.preprocess(blankToUndefined, z.string().trim().max(200).optional()),
    language: z.preprocess(blankToUndefined, z.string().trim().max(35).optional()),
    transcript: z.preprocess(blankToUndefined, z.string().trim().optional()),
    media: z.preprocess(blankToUndefined, z.string().trim().optional()),
  })
  .refine((r) => r.transcript || r.media, { message: 'a row needs a transcript (or media) path' });

export interface ManifestRow {
  line: number;
  meta: RecordingMeta;
  transcriptPath?: string;
  mediaPath?: string;
}

export interface ManifestProblem {
  line: number;
  id?: string;
  error: string;
}

export interface ParsedManifest {
  rows: ManifestRow[];
  problems: ManifestProblem[];
}

/**
 * Reads a JSONL or CSV manifest. Each row is checked on its own: a bad row becomes a problem with its
 * line number and the other rows still go through. Paths are relative to the manifest and may not
 * leave its folder.
 */
export function readManifest(manifestPath: string): ParsedManifest {
  let text: string;
  try {
    text = fs.readFileSync(manifestPath, 'utf8');
  } catch (err) {
    throw new AppError('invalid_manifest', `cannot read manifest ${manifestPath}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  return parseManifest(text, manifestPath, path.dirname(path.resolve(manifestPath)));
}

export function parseManifest(text: string, name: string, baseDir: string): ParsedManifest {
  const records = /\.csv$/i.test(name) || (!/\.jsonl?$/i.test(name) && !text.trimStart().startsWith('{')) ? csvRecords(text, name) : jsonlRecords(text);
  const rows: ManifestRow[] = [];
  const problems: ManifestProblem[] = [];
  const seen = new Map<string, number>();
  for (const rec of records) {
    if ('error' in rec) {
      problems.push({ line: rec.line, error: rec.error });
      continue;
    }
    const parsed = rowSchema.safeParse(rec.value);
    const rawId = typeof (rec.value as { id?: unknown })?.id === 'string' ? (rec.value as { id: string }).id : undefined;
    if (!parsed.success) {
      problems.push({ line: rec.line, id: rawId, error: parsed.error.issues.map((i) => `${i.path.join('.') || 'row'}: ${i.message}`).join('; ') });
      continue;
    }
    const r = parsed.data;
    try {
      const transcriptPath = r.transcript ? confine(baseDir, r.transcript) : undefined;
      if (r.media?.startsWith('s3://') && !/^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]\/[^\0]+$/.test(r.media)) {
        throw new Error(`media must be a path relative to the manifest or s3://bucket/key: "${r.media}"`);
      }
      const mediaPath = r.media && !r.media.startsWith('s3://') ? confine(baseDir, r.media) : r.media;
      const base = r.id ?? path.basename(r.transcript ?? r.media ?? 'recording').replace(/\.[^.]+$/, '');
      const id = r.id ?? base.replace(/[^A-Za-z0-9._-]/g, '-').slice(0, 128);
      if (seen.has(id)) throw new Error(`duplicate id "${id}" (first on line ${seen.get(id)})`);
      seen.set(id, rec.line);
      rows.push({
        line: rec.line,
        meta: { id, title: r.title ?? id, recordedAt: r.recorded_at ?? null, collection: r.collection ?? null, language: r.language ?? null, source: r.transcript ?? r.media ?? null },
        transcriptPath,
        mediaPath,
      });
    } catch (err) {
      problems.push({ line: rec.line, id: r.id, error: (err as Error).message });
    }
  }
  return { rows, problems };
}

/** Resolves a manifest path, refusing absolute paths and anything that climbs out of the manifest's folder. */
export function confine(baseDir: string, rel: string): string {
  if (path.isAbsolute(rel) || /^[a-z]+:\/\//i.test(rel)) throw new Error(`path must be relative to the manifest: "${rel}"`);
  const full = path.resolve(baseDir, rel);
  const within = path.relative(baseDir, full);
  if (within.startsWith('..') || path.isAbsolute(within)) throw new Error(`path leaves the manifest's folder: "${rel}"`);
  return full;
}

type RawRecord = { line: number; value: unknown } | { line: number; error: string };

function jsonlRecords(text: string): RawRecord[] {
  const out: RawRecord[] = [];
  text.split(/\r?\n/).forEach((l, i) => {
    if (!l.trim()) return;
    try {
      const value = JSON.parse(l);
      if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('a row must be a JSON object');
      out.push({ line: i + 1, value });
    } catch (err) {
      out.push({ line: i + 1, error: `invalid JSON: ${(err as Error).message}` });
    }
  });
  return out;
}

function csvRecords(text: string, name: string): RawRecord[] {
  try {
    const rows = parseCsv(text, { columns: true, skip_empty_lines: true, trim: true, bom: true, info: true, relax_column_count: true }) as {
      record: Record<string, string>;
      info: { lines: number };
    }[];
    return rows.map((r) => ({ line: r.info.lines, value: r.record }));
  } catch (err) {
    throw new AppError('invalid_manifest', `${name}: ${(err as Error).message}`);
  }
}
