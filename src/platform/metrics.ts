import client from 'prom-client';

/** Where finished stages are recorded (the pipeline_stages table: src/archive/stages.ts StageStore). */
export interface FinishedStages {
  finishedStageSeconds(since: Date, until: Date): Promise<{ stage: string; seconds: number }[]>;
  asrRealTimeFactors(since: Date, until: Date): Promise<{ rtf: number }[]>;
}

/**
 * Prometheus metrics for one process. A registry of its own (not the global one), so tests and several
 * apps in one process do not collide.
 */
export class Metrics {
  readonly registry = new client.Registry();
  readonly httpDuration = new client.Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request latency by route',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  readonly jobStageSeconds = new client.Histogram({
    name: 'ingest_stage_duration_seconds',
    help: 'Seconds spent per ingest pipeline stage',
    labelNames: ['stage'] as const,
    buckets: [0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600],
    registers: [this.registry],
  });
  readonly asrRtf = new client.Histogram({
    name: 'asr_real_time_factor',
    help: 'ASR processing time divided by audio duration, per recording',
    labelNames: ['engine'] as const,
    buckets: [0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1, 1.5, 2, 4],
    registers: [this.registry],
  });

  /** Stages finished after this instant are still to be observed (see observeFinishedStages). */
  private stagesSeen = new Date();

  constructor(collect: { cache?: () => { hits: number; misses: number }; queueDepth?: () => Promise<Record<string, number>> } = {}) {
    client.collectDefaultMetrics({ register: this.registry });
    new client.Gauge({
      name: 'cache_hit_ratio',
      help: 'Cache hits / lookups since start',
      registers: [this.registry],
      collect() {
        const s = collect.cache?.();
        this.set(s && s.hits + s.misses > 0 ? s.hits / (s.hits + s.misses) : 0);
      },
    });
    new client.Gauge({
      name: 'cache_lookups_total',
      help: 'Cache lookups since start, by outcome',
      labelNames: ['outcome'] as const,
      registers: [this.registry],
      collect() {
        const s = collect.cache?.();
        this.set({ outcome: 'hit' }, s?.hits ?? 0);
        this.set({ outcome: 'miss' }, s?.misses ?? 0);
      },
    });
    new client.Gauge({
      name: 'jobs',
      help: 'Ingest jobs by state (queue depth: queued + running)',
      labelNames: ['status'] as const,
      registers: [this.registry],
      async collect() {
        const depth: Record<string, number> = (await collect.queueDepth?.().catch(() => ({}))) ?? {};
        for (const status of ['queued', 'running', 'failed', 'succeeded']) this.set({ status }, depth[status] ?? 0);
      },
    });
  }

  /**
   * Stage durations and real-time factors come from the job tables, not from the process that ran the stage:
   * workers may be other processes (BullMQ), and Postgres is where their work is recorded. Each scrape
   * observes what finished since the previous one.
   */
  async observeFinishedStages(stages: FinishedStages, asrEngine: string): Promise<void> {
    const since = this.stagesSeen;
    const now = new Date();
    for (const r of await stages.finishedStageSeconds(since, now)) this.jobStageSeconds.observe({ stage: r.stage }, Number(r.seconds));
    // A recording's ASR real-time factor: ASR seconds (all chunks) over audio seconds, once its index stage is done.
    for (const r of await stages.asrRealTimeFactors(since, now)) if (r.rtf !== null) this.asrRtf.observe({ engine: asrEngine }, Number(r.rtf));
    this.stagesSeen = now;
  }

  async render(): Promise<{ body: string; contentType: string }> {
    return { body: await this.registry.metrics(), contentType: this.registry.contentType };
  }
}
