import { createHash } from 'node:crypto';
import { AppError } from '../../core/index.js';
import { PAGING_CAP } from '../../retrieval/index.js';

/**
 * Search cursors: where the next page starts in the ranking, for which search, and whether that search fell
 * back from the question's dates to the whole archive (decided on the first page, kept by the pages after it).
 * Opaque to clients: base64url of `<offset>:<first page's size>:<search hash>:<fallback 1|0|->`.
 */
export interface Cursor {
  offset: number;
  /** The first page's size (its `limit`): the pages after it continue the ranking that size set. */
  first?: number;
  /** true/false: the first page's temporal fallback decision; undefined: the question was not routed by its dates. */
  fallback?: boolean;
}

/** What a cursor is bound to: the question, the mode and every filter (not the page size, which may change). */
export interface CursorScope {
  q: string;
  mode: string;
  recording?: string;
  collection?: string;
  speaker?: string;
  from?: string;
  to?: string;
  temporal?: string;
  speakers?: string;
  lang?: string;
  kind?: string;
  /** Browsing's order (unset or 'newest': the default, which the hash leaves out). */
  order?: string;
}

/** A short hash of the search a cursor belongs to. */
export function searchHash(p: CursorScope): string {
  const key = JSON.stringify([p.q, p.mode, p.recording ?? null, p.collection ?? null, p.speaker ?? null, p.from ?? null, p.to ?? null, p.temporal ?? 'auto', p.speakers ?? 'auto', ...(p.kind ? [p.kind] : []), ...(p.lang ? [`lang:${p.lang}`] : []), ...(p.order && p.order !== 'newest' ? [`order:${p.order}`] : [])]);
  return createHash('sha256').update(key).digest('hex').slice(0, 12);
}

export function encodeCursor(hash: string, c: Cursor): string {
  const f = c.fallback === undefined ? '-' : c.fallback ? '1' : '0';
  return Buffer.from(`${c.offset}:${c.first ?? 0}:${hash}:${f}`).toString('base64url');
}

const SHAPE = /^(\d{1,7}):(\d{1,3}):([0-9a-f]{12}):([01-])$/;

/** A cursor's fields (offset, first page's size, search hash, fallback), or null when it is not one. */
function parse(cursor: string | undefined): RegExpExecArray | null {
  if (!cursor || !/^[A-Za-z0-9_-]{1,64}$/.test(cursor)) return null;
  return SHAPE.exec(Buffer.from(cursor, 'base64url').toString('latin1'));
}

/** The cursor's place, checked against the search it is sent with: malformed, foreign or beyond the cap is a 400. */
export function decodeCursor(cursor: string, hash: string): Cursor {
  const m = parse(cursor);
  if (!m) throw new AppError('bad_request', 'cursor is malformed: pass the next_cursor of the previous page as it is');
  if (m[3] !== hash) {
    throw new AppError('bad_request', 'cursor belongs to another search (q, mode or a filter differs): start again without a cursor');
  }
  const offset = Number(m[1]);
  const first = Number(m[2]);
  if (offset >= PAGING_CAP) throw new AppError('bad_request', `cursor is beyond the ${PAGING_CAP} passages paging reaches`);
  if (offset > 0 && (first < 1 || first > 100)) throw new AppError('bad_request', 'cursor is malformed: pass the next_cursor of the previous page as it is');
  return { offset, first: offset > 0 ? first : undefined, fallback: m[4] === '-' ? undefined : m[4] === '1' };
}

/** The same cursor at another place (a page's link to the previous page); not checked, the API checks it when used. */
export function moveCursor(cursor: string, offset: number): string | null {
  const m = parse(cursor);
  if (!m) return null;
  return Buffer.from(`${Math.max(0, offset)}:${m[2]}:${m[3]}:${m[4]}`).toString('base64url');
}

/** The offset a cursor points at (0 when it is not a cursor). */
export function cursorOffset(cursor: string | undefined): number {
  const m = parse(cursor);
  return m ? Number(m[1]) : 0;
}

/** The first page's size a cursor carries (1 when it is not a cursor, so that any later offset is past it). */
export function cursorFirst(cursor: string | undefined): number {
  const m = parse(cursor);
  return m ? Math.max(1, Number(m[2])) : 1;
}
