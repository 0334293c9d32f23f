import { AppError, type EmbeddingModelInfo, type FrameVectorHit, type FrameVectorIndex, type FrameVectorItem, type SearchFilters } from '../../core/index.js';
import type { Db } from '../../platform/index.js';

/**
 * Keyframe image vectors in pgvector (PGlite or a server with the extension). A video holds a few keyframes a
 * minute, so an archive's frames are few next to its moments: they are searched by exact scan, the rows of the
 * query's model only (a model change leaves the old rows unread until their recordings are ingested again).
 */
export class PgFrameVectorIndex implements FrameVectorIndex {
  private model: EmbeddingModelInfo | null = null;

  constructor(private readonly db: Db) {}

  async init(model: EmbeddingModelInfo): Promise<void> {
    try {
      await this.db.exec('CREATE EXTENSION IF NOT EXISTS vector');
    } catch (err) {
      throw new AppError('engine_unavailable', `pgvector is not installed in this Postgres (${(err as Error).message}); install pgvector or set VISUAL_EMBEDDINGS=off`);
    }
    // The dimension is the model's, not the column's: rows of different models live side by side.
    await this.db.exec(
      `CREATE TABLE IF NOT EXISTS frame_vectors (
         recording_id text NOT NULL REFERENCES recordings (id) ON DELETE CASCADE,
         n integer NOT NULL,
         at double precision NOT NULL,
         model text NOT NULL,
         embedding vector NOT NULL,
         PRIMARY KEY (recording_id, n, model)
       )`,
    );
    this.model = model;
  }

  async replaceRecording(recordingId: string, items: FrameVectorItem[]): Promise<void> {
    const model = this.ready();
    for (const item of items) {
      if (item.vector.length !== model.dim) throw new AppError('embedding_model_mismatch', `frame vector of ${item.vector.length} dims for the ${model.dim}-d ${model.model}`);
    }
    await this.db.transaction(async (tx) => {
      await tx.query('DELETE FROM frame_vectors WHERE recording_id = $1', [recordingId]);
      if (items.length === 0) return;
      await tx.query(
        `INSERT INTO frame_vectors (recording_id, n, at, model, embedding)
         SELECT $1, x.n, x.at, $2, x.v::vector FROM jsonb_to_recordset($3::jsonb) AS x(n int, at float8, v text)`,
        [recordingId, model.model, JSON.stringify(items.map((i) => ({ n: i.n, at: i.at, v: `[${Array.from(i.vector).join(',')}]` })))],
      );
    });
  }

  async search(vector: Float32Array, filters: Pick<SearchFilters, 'recordingId' | 'collection' | 'from' | 'to'>, limit: number): Promise<FrameVectorHit[]> {
    const model = this.ready();
    if (vector.length !== model.dim) throw new AppError('embedding_model_mismatch', `query vector of ${vector.length} dims for the ${model.dim}-d ${model.model}`);
    const where = ['f.model = $2'];
    const params: unknown[] = [`[${Array.from(vector).join(',')}]`, model.model];
    const add = (sql: string, v: unknown) => {
      params.push(v);
      where.push(sql.replace('?', `$${params.length}`));
    };
    if (filters.recordingId) add('f.recording_id = ?', filters.recordingId);
    if (filters.collection) add('r.collection = ?', filters.collection);
    if (filters.from) add('r.recorded_at >= ?::date', filters.from);
    if (filters.to) add('r.recorded_at <= ?::date', filters.to);
    params.push(limit);
    const rows = await this.db.query<{ recording_id: string; n: number; at: number; score: number }>(
      `SELECT f.recording_id, f.n, f.at, 1 - (f.embedding <=> $1::vector) AS score
       FROM frame_vectors f JOIN recordings r ON r.id = f.recording_id
       WHERE ${where.join(' AND ')}
       ORDER BY f.embedding <=> $1::vector LIMIT $${params.length}`,
      params,
    );
    return rows.map((r) => ({ recordingId: r.recording_id, n: r.n, at: Number(r.at), score: Number(r.score) }));
  }

  async count(): Promise<number> {
    const model = this.ready();
    const [row] = await this.db.query<{ n: number }>('SELECT count(*)::int AS n FROM frame_vectors WHERE model = $1', [model.model]);
    return row?.n ?? 0;
  }

  private ready(): EmbeddingModelInfo {
    if (!this.model) throw new AppError('internal', 'frame vector index used before init()');
    return this.model;
  }
}
