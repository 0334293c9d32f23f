import type { Config, LexicalIndex, Logger } from '../../core/index.js';
import type { Db } from '../../platform/index.js';
import { ElasticsearchLexicalIndex } from './elasticsearch.js';
import { PostgresLexicalIndex } from './postgres.js';

/**
 * The lexical index LEXICAL_ENGINE names: Elasticsearch (ES_URL, ES_INDEX_PREFIX, ES_API_KEY or
 * ES_USERNAME/ES_PASSWORD) or BM25 in Postgres on `db`; BM25_K1 and BM25_B for both. Not yet initialised.
 */
export function createLexicalIndex(cfg: Config, db: Db, log: Logger): LexicalIndex {
  return cfg.LEXICAL_ENGINE === 'elasticsearch'
    ? new ElasticsearchLexicalIndex({
        node: cfg.ES_URL!,
        indexPrefix: cfg.ES_INDEX_PREFIX,
        auth: cfg.ES_API_KEY
          ? { apiKey: cfg.ES_API_KEY }
          : cfg.ES_USERNAME
            ? { username: cfg.ES_USERNAME, password: cfg.ES_PASSWORD ?? '' }
            : undefined,
        k1: cfg.BM25_K1,
        b: cfg.BM25_B,
        logger: log,
      })
    : new PostgresLexicalIndex(db, { k1: cfg.BM25_K1, b: cfg.BM25_B, postingsBudget: cfg.BM25_POSTINGS_BUDGET });
}
