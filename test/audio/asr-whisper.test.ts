import { existsSync } from 'node:fs';
import { DEFAULT_WHISPER_DIR, WhisperEngine } from '../../src/ingest/audio/asr/whisper.js';
import { engineSettings } from '../../src/core/config.js';
import { ASR_CASES, asrContract } from '../contract/asr.contract.js';
import { skipAllBut } from '../contract/cases.js';

const dir = engineSettings().ASR_MODEL_DIR ?? DEFAULT_WHISPER_DIR;
const present = existsSync(dir);
const local = { 'reports a failed request as a typed AppError that carries no credentials': 'a local model: no service, URL or credentials to leak' } as const;

asrContract(
  'whisper (sherpa-onnx)',
  async () => ({
    // Without the model the engine cannot be created; the cases that need it are skipped below.
    engine: present ? await WhisperEngine.load({ modelDir: dir }) : (null as never),
    unavailable: { create: () => WhisperEngine.load({ modelDir: '/nonexistent/sherpa-onnx-whisper-base.en' }), names: /npm run download-asr-model.*ASR_MODEL_DIR/ },
  }),
  present
    ? local
    : {
        ...skipAllBut(ASR_CASES, `no Whisper model at ${dir} (npm run download-asr-model fetches one)`, ['fails at creation with engine_unavailable naming what to install or set']),
        ...local,
      },
);
