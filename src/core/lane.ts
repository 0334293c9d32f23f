import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * Which kind of work the current call chain is: query-time (searches, answers, page views: the default) or
 * background (ingest, jobs). Shared engines read it to serve query-time work first: the embedder pool takes a
 * query's batches before any queued ingest batch (src/indexes/embed/use.ts), and the embedded database lets a query's
 * statements in before the next background statement (src/platform/db/lanes.ts). It follows the async call chain, so
 * nothing between the job runner and the engines has to pass it on.
 */
export type Lane = 'query' | 'background';

const store = new AsyncLocalStorage<Lane>();

/** Runs `fn` (and everything it awaits or starts) as background work. */
export function inBackground<T>(fn: () => Promise<T>): Promise<T> {
  return store.run('background', fn);
}

/** The lane of the calling code: 'query' unless it runs inside inBackground(). */
export function currentLane(): Lane {
  return store.getStore() ?? 'query';
}

let queryWorkInFlight = 0;

/**
 * Marks `fn` as query-time work in flight for its whole length: a search or answer from the request's arrival to
 * its last byte, including the waits between its statements (embedding the question, fusion, rendering), during
 * which background statements would otherwise slip in one after another.
 */
export async function asQueryWork<T>(fn: () => Promise<T>): Promise<T> {
  queryWorkInFlight++;
  try {
    return await fn();
  } finally {
    queryWorkInFlight--;
  }
}

/** How many asQueryWork() calls are running. */
export function queryWorkRunning(): number {
  return queryWorkInFlight;
}
