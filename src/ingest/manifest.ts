import fs from 'node:fs';
import path from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import { z } from 'zod';
import { type RecordingMeta, AppError, isoDate, languageTag, noNul, RECORDING_ID } from '../core/index.js';

const blankToUndefined = (v: unknown) => (v === null || (typeof v === 'string' && v.trim() === '') ? undefined : v);

const rowSchema = z
  .object({
    id: z.preprocess(blankToUndefined, z.string().trim().regex(RECORDING_ID, 'id must be 1-128 letters, digits, ".", "_" or "-"').optional()),
    title: z.preprocess(blankToUndefined, z.string().trim().max(500).refine(...noNul).optional()),
    recorded_at: z.preprocess(blankToUndefined, isoDate.optional()),
    collection: z.preprocess(blankToUndefined, z.string().trim().max(200).refine(...noNul).optional()),
    language: z.preprocess(blankToUndefined, languageTag.optional()),
    transcript: z.preprocess(blankToUndefined, z.string().trim().max(4096).refine(...noNul).optional()),
    media: z.preprocess(blankToUndefined, z.string().trim().max(4096).refine(...noNul).optional()),
  })
  .refine((r) => r.transcript || r.media, { message: 'a row needs a transcript (or media) path' });

export interface ManifestRow {
  line: number;
  meta: RecordingMeta;
  transcriptPath?: string;
  mediaPath?: string;
  /** The paths as the manifest gives them, for messages: the resolved ones are the server's business. */
  given: { transcript?: string; media?: string };
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

export interface ManifestOptions {
  /** Absolute folders paths may also point into (MEDIA_ROOTS); the manifest's own folder always counts. */
  roots?: readonly string[];
}

/**
 * Reads a JSONL or CSV manifest. Each row is checked on its own: a bad row becomes a problem with its
 * line number and the other rows still go through. Paths are relative to the manifest and may not
 * leave its folder, unless they land under one of `roots` (symlinks resolved).
 */
export function readManifest(manifestPath: string, opts: ManifestOptions = {}): ParsedManifest {
  let text: string;
  try {
    text = fs.readFileSync(manifestPath, 'utf8');
  } catch (err) {
    throw new AppError('invalid_manifest', `cannot read manifest ${manifestPath}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  return parseManifest(text, manifestPath, path.dirname(path.resolve(manifestPath)), opts);
}

export function parseManifest(text: string, name: string, baseDir: string, opts: ManifestOptions = {}): ParsedManifest {
  const roots = opts.roots ?? [];
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
      const transcriptPath = r.transcript ? confine(baseDir, r.transcript, roots) : undefined;
      if (r.media?.startsWith('s3://') && !/^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]\/[^\0]+$/.test(r.media)) {
        throw new Error(`media must be a path relative to the manifest or s3://bucket/key: "${r.media}"`);
      }
      const mediaPath = r.media && !r.media.startsWith('s3://') ? confine(baseDir, r.media, roots) : r.media;
      const base = r.id ?? path.basename(r.transcript ?? r.media ?? 'recording').replace(/\.[^.]+$/, '');
      const id = r.id ?? base.replace(/[^A-Za-z0-9._-]/g, '-').slice(0, 128);
      if (seen.has(id)) throw new Error(`duplicate id "${id}" (first on line ${seen.get(id)})`);
      seen.set(id, rec.line);
      rows.push({
        line: rec.line,
        meta: { id, title: r.title ?? id, recordedAt: r.recorded_at ?? null, collection: r.collection ?? null, language: r.language ?? null, source: r.transcript ?? r.media ?? null },
        transcriptPath,
        mediaPath,
        given: { transcript: r.transcript, media: r.media },
      });
    } catch (err) {
      problems.push({ line: rec.line, id: r.id, error: (err as Error).message });
    }
  }
  return { rows, problems };
}

/**
 * Resolves a manifest path to a real path (symlinks followed) inside the manifest's folder or one of `roots`
 * (MEDIA_ROOTS). Without roots, absolute paths are refused; anything that climbs out, by `..` or by a link, is too.
 */
export function confine(baseDir: string, rel: string, roots: readonly string[] = []): string {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(rel)) throw new Error(`path must be a file path, not a URL: "${rel}"`);
  if (path.isAbsolute(rel) && roots.length === 0) throw new Error(`path must be relative to the manifest (or under MEDIA_ROOTS): "${rel}"`);
  const full = path.resolve(baseDir, rel);
  const real = realPath(full);
  const allowed = [baseDir, ...roots].map((d) => path.resolve(d));
  if (allowed.some((d) => isWithin(realPath(d), real))) return real;
  const where = roots.length ? "the manifest's folder and MEDIA_ROOTS" : "the manifest's folder";
  if (allowed.some((d) => isWithin(d, full))) throw new Error(`path leads out of ${where} through a symbolic link: "${rel}"`);
  if (path.isAbsolute(rel)) throw new Error(`path is outside ${where}: "${rel}"`);
  throw new Error(`path leaves ${where}: "${rel}"`);
}

function isWithin(dir: string, p: string): boolean {
  const rel = path.relative(dir, p);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel));
}

/** realpath of what exists of `p` (its deepest existing ancestor), with the rest appended: a missing file is checked too. */
function realPath(p: string): string {
  try {
    return fs.realpathSync.native(p);
  } catch {
    const parent = path.dirname(p);
    return parent === p ? p : path.join(realPath(parent), path.basename(p));
  }
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
