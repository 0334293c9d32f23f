import type { z } from '@hono/zod-openapi';
import type { JobSchema, RecordingSchema, SearchResponse } from '../api/schemas.js';
import type { FrameSchema } from '../api/routes/frames.js';
import type { ArchiveSpeakerSchema, RecordingSpeakerSchema } from '../api/routes/speakers.js';
import type { Services } from '../../archive/index.js';
import type { Word } from '../../core/index.js';
import { cached, offCache } from '../../platform/index.js';

type Cache = Services['cache'];

/**
 * The pages read the archive through the JSON API, called in-process (no socket): they render exactly what an
 * API client would see, with the API's validation, caching and error messages, and they pick up routes that
 * other parts of the system add later (chapters, media) without knowing how those are stored.
 */
export interface Fetcher {
  request(input: string, init?: RequestInit, env?: object): Response | Promise<Response>;
  routes?: { method: string; path: string }[];
}

export type Search = z.infer<typeof SearchResponse>;
export type Hit = Search['results'][number];
export type Facets = NonNullable<Search['facets']>;
export type BrowsedRecording = NonNullable<Search['recordings']>[number];
export type Job = z.infer<typeof JobSchema>;
export type Recording = z.infer<typeof RecordingSchema> & { media_url?: string | null; mediaUrl?: string | null };
export interface Segment {
  start: number;
  end: number;
  speaker: string | null;
  text: string;
  /** Word times, when the transcript has them (ASR): they time the segment's sentences. */
  words?: Word[];
}
export interface Chapter {
  start: number;
  end: number;
  title: string;
  keywords: string[];
}

export type Frame = z.infer<typeof FrameSchema>;
export type ArchiveSpeaker = z.infer<typeof ArchiveSpeakerSchema>;
export type RecordingSpeaker = z.infer<typeof RecordingSpeakerSchema>;

/** What the search form offers and the archive's size (Api.searchForm). */
export interface SearchFormLists {
  recordings: { id: string; title: string; recordedAt: string | null }[];
  collections: { name: string; recordings: number }[];
  speakers: string[];
  stats: { recordings: number; moments: number } | null;
}
const SEARCH_FORM = 'search-form';
const SEARCH_FORM_TTL_S = 60;

export type Result<T> = { ok: true; status: number; data: T } | { ok: false; status: number; message: string };

export class Api {
  /**
   * `authorization`: the key the page request came with, passed on: its Authorization header (a script that
   * sends its API key to a page, as the ingest page does, acts with that key) or the sign-in cookie's key;
   * without either the page reads as the public. `env`: the page request's, with the client it counts against
   * (see src/http/api/limits.ts), so the API calls it makes are charged to that client and not refused apart.
   */
  constructor(
    private readonly app: Fetcher,
    private readonly requestId?: string,
    private readonly authorization?: string,
    private readonly env?: object,
    private readonly cache: Cache = offCache(),
  ) {}

  async call<T>(path: string, init: RequestInit = {}): Promise<Result<T>> {
    const headers = new Headers(init.headers);
    if (this.requestId) headers.set('X-Request-Id', this.requestId);
    if (!headers.has('Accept')) headers.set('Accept', 'application/json');
    if (this.authorization && !headers.has('Authorization')) headers.set('Authorization', this.authorization);
    const res = await this.app.request(path, { ...init, headers }, this.env);
    const text = await res.text();
    let body: unknown = null;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      body = null;
    }
    if (res.ok) return { ok: true, status: res.status, data: body as T };
    const message = (body as { error?: { message?: string } } | null)?.error?.message ?? `${res.status} ${res.statusText || 'error'}`;
    return { ok: false, status: res.status, message };
  }

  /** Whether the app has a route (for optional ones other parts of the system add). */
  has(method: string, path: string): boolean {
    return (this.app.routes ?? []).some((r) => r.path === path && (r.method === method || r.method === 'ALL'));
  }

  search(params: Record<string, string>): Promise<Result<Search>> {
    return this.call<Search>(`/v1/search?${new URLSearchParams(params)}`);
  }

  recording(id: string): Promise<Result<Recording>> {
    return this.call<Recording>(`/v1/recordings/${encodeURIComponent(id)}`);
  }

  async segments(id: string): Promise<Segment[]> {
    const r = await this.call<{ segments: Segment[] }>(`/v1/recordings/${encodeURIComponent(id)}/transcript?format=json`);
    return r.ok ? (r.data.segments ?? []) : [];
  }

  /** Chapters when the archive has them; an empty list when the recording or the route has none (404). */
  async chapters(id: string): Promise<Chapter[]> {
    const r = await this.call<Chapter[] | { chapters: Chapter[] }>(`/v1/recordings/${encodeURIComponent(id)}/chapters`);
    if (!r.ok || !r.data) return [];
    const list = Array.isArray(r.data) ? r.data : (r.data.chapters ?? []);
    return list
      .filter((ch) => typeof ch.start === 'number' && typeof ch.end === 'number')
      .map((ch) => ({ start: ch.start, end: ch.end, title: String(ch.title ?? ''), keywords: Array.isArray(ch.keywords) ? ch.keywords.map(String) : [] }))
      .sort((a, b) => a.start - b.start);
  }

  /** A video's keyframes (none for audio and transcripts). */
  async frames(id: string): Promise<Frame[]> {
    const r = await this.call<{ frames: Frame[] }>(`/v1/recordings/${encodeURIComponent(id)}/frames`);
    return r.ok ? (r.data.frames ?? []) : [];
  }

  /** A page of the archive's speakers with their recordings and talk time. */
  async speakerList(params: { q?: string; limit?: number; offset?: number } = {}): Promise<{ total: number; items: ArchiveSpeaker[] }> {
    const qs = new URLSearchParams(Object.entries(params).flatMap(([k, v]) => (v === undefined || v === '' ? [] : [[k, String(v)]])));
    const r = await this.call<{ total: number; items: ArchiveSpeaker[] }>(`/v1/speakers${qs.size ? `?${qs}` : ''}`);
    return r.ok ? r.data : { total: 0, items: [] };
  }

  /** A recording's speakers by label, with the names they are shown under. */
  async recordingSpeakers(id: string): Promise<RecordingSpeaker[]> {
    const r = await this.call<{ speakers: RecordingSpeaker[] }>(`/v1/recordings/${encodeURIComponent(id)}/speakers`);
    return r.ok ? r.data.speakers : [];
  }

  /**
   * What the search form offers to filter by (the recordings, collections and speakers) and the archive's size,
   * which every search page shows. Reading them cost a search page more than a cached search does (500
   * recordings and 500 speakers: 60–70 ms on a 200-recording archive, BENCHMARKS.md "The search page"), and they
   * change only with the index: they are kept under its generation, for the key the page reads with, for at most
   * SEARCH_FORM_TTL_S (a recording whose ingest has begun is listed before the generation moves). Lists the API
   * refused are not kept.
   */
  async searchForm(): Promise<SearchFormLists> {
    let refused = false;
    const read = async (): Promise<SearchFormLists> => {
      const [recordings, collections, speakers, stats] = await Promise.all([
        this.call<{ items: Recording[] }>('/v1/recordings?limit=500'),
        this.call<{ items: { name: string; recordings: number }[] }>('/v1/collections'),
        this.call<{ items: ArchiveSpeaker[] }>('/v1/speakers?limit=500'),
        this.call<{ recordings: number; moments: number }>('/v1/stats'),
      ]);
      refused = ![recordings, collections, speakers, stats].every((r) => r.ok);
      return {
        recordings: recordings.ok ? recordings.data.items.map((r) => ({ id: r.id, title: r.title, recordedAt: r.recordedAt })) : [],
        collections: collections.ok ? collections.data.items : [],
        speakers: speakers.ok ? speakers.data.items.map((x) => x.name) : [],
        stats: stats.ok ? { recordings: stats.data.recordings, moments: stats.data.moments } : null,
      };
    };
    return (await cached(this.cache, SEARCH_FORM, [this.authorization ?? null], SEARCH_FORM_TTL_S, read, { keep: () => !refused })).value;
  }

  job(id: string): Promise<Result<Job>> {
    return this.call<Job>(`/v1/jobs/${encodeURIComponent(id)}`);
  }
}

/** Whether the recording's media is a video (played in a <video>, so a screen hit shows its frame). */
export function isVideo(rec: Recording): boolean {
  return typeof rec.media_type === 'string' && rec.media_type.startsWith('video/');
}

/** The media URL of a recording when the audio pipeline has attached one. */
export function mediaUrl(rec: Recording): string | null {
  const url = rec.media_url ?? rec.mediaUrl ?? null;
  return typeof url === 'string' && url.length > 0 ? url : null;
}
