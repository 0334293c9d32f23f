/**
 * The unique index a statement collided with (SQLSTATE 23505), or null for any other error. Both adapters
 * (PGlite and node-postgres) report the index as `constraint`.
 */
export function uniqueViolation(err: unknown): string | null {
  if (!(err instanceof Error)) return null;
  const e = err as { code?: unknown; constraint?: unknown };
  return e.code === '23505' ? (typeof e.constraint === 'string' ? e.constraint : '') : null;
}
