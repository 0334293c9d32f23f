import { createAsrEngine } from '../../src/ingest/audio/asr/index.js';
import { PocketsphinxEngine } from '../../src/ingest/audio/asr/pocketsphinx.js';
import { asrContract } from '../contract/asr.contract.js';

asrContract('pocketsphinx (Debian CLI)', async () => ({
  engine: new PocketsphinxEngine(),
  unavailable: {
    async create() {
      const path = process.env.PATH;
      process.env.PATH = '/nonexistent';
      try {
        return await createAsrEngine('pocketsphinx');
      } finally {
        process.env.PATH = path;
      }
    },
    names: /apt-get install -y pocketsphinx pocketsphinx-en-us/,
  },
}), {
  'reports a failed request as a typed AppError that carries no credentials': 'a local program: no service, URL or credentials to leak',
});
