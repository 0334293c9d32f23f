import { randomBytes } from 'node:crypto';
import { Client } from '@elastic/elasticsearch';
import { describe } from 'vitest';
import { loadConfig } from '../../src/core/config.js';
import { ElasticsearchLexicalIndex } from '../../src/indexes/lexical/elasticsearch.js';
import { describeLexicalContract } from '../contract/lexical-contract.js';

/*
 * The shared lexical contract against a REAL Elasticsearch cluster. Runs only when ES_URL is set (with
 * ES_API_KEY or ES_USERNAME/ES_PASSWORD if the cluster needs them); otherwise the whole block is skipped.
 * Each run uses its own index prefix and removes its indices and template afterwards, so it can share a
 * cluster with other runs and with real data.
 */
const url = process.env.ES_URL?.trim();

describe.runIf(url)('ElasticsearchLexicalIndex against a real cluster (ES_URL)', () => {
  const prefix = `lexical-it-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
  const cfg = () => loadConfig({ ...process.env, LEXICAL_ENGINE: 'elasticsearch', ES_INDEX_PREFIX: prefix });

  describeLexicalContract(
    'elasticsearch',
    async () => ElasticsearchLexicalIndex.fromConfig(cfg()),
    async () => {
      const c = cfg();
      const auth = c.ES_API_KEY ? { apiKey: c.ES_API_KEY } : c.ES_USERNAME ? { username: c.ES_USERNAME, password: c.ES_PASSWORD ?? '' } : undefined;
      const admin = new Client({ node: c.ES_URL!, auth });
      try {
        // Concrete names: clusters default to action.destructive_requires_name=true, which refuses wildcard deletes.
        const found = await admin.indices.get({ index: `${prefix}-*`, allow_no_indices: true, ignore_unavailable: true });
        const names = Object.keys(found);
        if (names.length > 0) await admin.indices.delete({ index: names });
        await admin.indices.deleteIndexTemplate({ name: `${prefix}-decades` }, { ignore: [404] });
      } finally {
        await admin.close();
      }
    },
  );
});
