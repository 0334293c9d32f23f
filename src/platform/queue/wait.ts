/**
 * With BullMQ and Redis away an enqueue waits (ioredis holds the commands until it reconnects). Jobs are
 * recorded in Postgres before they are enqueued, so a request need not wait for Redis: wait briefly, then let
 * the enqueue finish in the background when Redis returns (a process restarted meanwhile re-enqueues
 * unfinished work from Postgres). Resolves true when the enqueue finished within `ms`.
 */
export async function enqueuedWithin(enqueue: Promise<unknown>, ms: number, onError: (err: unknown) => void): Promise<boolean> {
  enqueue.catch(onError);
  let timer: NodeJS.Timeout | undefined;
  const waited = new Promise<'waiting'>((resolve) => (timer = setTimeout(() => resolve('waiting'), ms)));
  const outcome = await Promise.race([enqueue.then(() => 'done' as const, () => 'done' as const), waited]).finally(() => clearTimeout(timer));
  return outcome === 'done';
}

/** How long a request waits for the job queue before answering with the job recorded but not yet queued. */
export const ENQUEUE_WAIT_MS = 2000;
