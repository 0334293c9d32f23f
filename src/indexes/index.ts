/**
 * indexes: what search reads besides the tables, behind the ports core defines. The lexical index (BM25 in
 * Postgres or Elasticsearch, picked from LEXICAL_ENGINE), the vector index (pgvector) and the embedder (USE,
 * ONNX or an OpenAI-compatible service, with its vector cache, picked from EMBEDDINGS), and the visual embedder
 * (CLIP, images and texts in one space, VISUAL_EMBEDDINGS; off by default). Offers the
 * factories, and the pgvector indexes (moments, and keyframes for the visual embedder) that the composition
 * builds on the database.
 */
export { createEmbedder } from './embed/index.js';
export { loadQueryAdapter } from './embed/query-adapter.js';
export { ClipEmbedder, createVisualEmbedder } from './embed/visual.js';
export { createLexicalIndex } from './lexical/index.js';
export { PgVectorIndex } from './vector/pgvector.js';
export { PgFrameVectorIndex } from './vector/frames.js';
