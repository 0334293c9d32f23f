import { it } from 'vitest';

/**
 * Cases an adapter does not run, each with the reason it cannot (a missing model, a behaviour the engine does
 * not have). Keyed by case name, so a renamed case turns a stale skip into a type error.
 */
export type Skips<Case extends string> = Partial<Record<Case, string>>;

/**
 * An `it` for a contract suite: a case named in `skips` is reported as skipped, with its reason in the title,
 * instead of silently missing from the run.
 */
export function contractCase<Case extends string>(skips: Skips<Case>, timeoutMs?: number) {
  return (name: Case, fn: () => Promise<void> | void, caseTimeoutMs = timeoutMs): void => {
    const reason = skips[name];
    if (reason) it.skip(`${name} (skipped: ${reason})`, fn);
    else it(name, fn, caseTimeoutMs);
  };
}

/** Every case of a suite skipped with one reason, except those listed (which still run). */
export function skipAllBut<Case extends string>(cases: readonly Case[], reason: string, keep: readonly Case[]): Skips<Case> {
  return Object.fromEntries(cases.filter((c) => !keep.includes(c)).map((c) => [c, reason])) as Skips<Case>;
}
