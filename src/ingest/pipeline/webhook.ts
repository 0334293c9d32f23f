import { type Logger, redactUrls, safeUrl, splitCredentials } from '../../core/index.js';

export interface WebhookBody {
  job: string;
  kind: string;
  recording_id: string | null;
  status: 'succeeded' | 'failed';
  error: string | null;
  result?: unknown;
}

export interface WebhookOptions {
  /** Tries in all. Default 4. */
  tries?: number;
  /** Wait before the second try; doubles after each. Default 500 ms. */
  backoffMs?: number;
  /** Per request. Default 10 s. */
  timeoutMs?: number;
}

/**
 * POSTs a job's outcome to WEBHOOK_URL. Delivery is retried a few times with backoff on network errors and
 * non-2xx answers; when it still fails it is logged. It never fails or delays the job: deliveries run in the
 * background, and `drain()` (at shutdown) waits for the ones in flight.
 */
export class Webhooks {
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly url: string | undefined,
    private readonly log: Logger,
    private readonly o: WebhookOptions = {},
  ) {}

  get enabled(): boolean {
    return Boolean(this.url);
  }

  deliver(body: WebhookBody): void {
    if (!this.url) return;
    const p = this.send(this.url, body).finally(() => this.inFlight.delete(p));
    this.inFlight.add(p);
  }

  async drain(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  private async send(url: string, body: WebhookBody): Promise<void> {
    const tries = Math.max(1, this.o.tries ?? 4);
    let wait = this.o.backoffMs ?? 500;
    let last = '';
    // Credentials in the URL go as Basic auth: fetch refuses them in the URL (and would name it in its error).
    const target = splitCredentials(url);
    const auth: Record<string, string> = target.authorization ? { authorization: target.authorization } : {};
    for (let i = 1; i <= tries; i++) {
      try {
        const res = await fetch(target.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'user-agent': 'speech-archive-webhook', ...auth },
          body: JSON.stringify(body),
          signal: AbortSignal.timeout(this.o.timeoutMs ?? 10_000),
        });
        await res.body?.cancel().catch(() => {});
        if (res.ok) {
          this.log.debug({ job: body.job, status: body.status, try: i }, 'webhook delivered');
          return;
        }
        last = `HTTP ${res.status}`;
        // A 4xx other than 408/429 will not change by asking again.
        if (res.status < 500 && res.status !== 408 && res.status !== 429) break;
      } catch (err) {
        const e = err as { message?: string; cause?: { code?: string; message?: string } };
        last = redactUrls([e.message ?? String(err), e.cause?.code ?? e.cause?.message].filter(Boolean).join(': '));
      }
      if (i < tries) {
        await new Promise((r) => setTimeout(r, wait));
        wait *= 2;
      }
    }
    this.log.warn({ job: body.job, status: body.status, url: safeUrl(url), error: last }, 'webhook not delivered');
  }
}
