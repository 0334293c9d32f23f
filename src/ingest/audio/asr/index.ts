/**
 * Picks the ASR adapter by name (`ASR_ENGINE`, default pocketsphinx: the one that works offline with only
 * Debian packages). Every way an engine can be unavailable is an `engine_unavailable` AppError that says
 * what to install or set, raised when the engine is created rather than on the first chunk.
 */
import { AppError, engineSettings } from '../../../core/index.js';
import { OpenAiAsrEngine, type OpenAiAsrOptions } from './openai.js';
import { PocketsphinxEngine, type PocketsphinxOptions } from './pocketsphinx.js';
import { ASR_ENGINES, type AsrEngine, type AsrEngineName } from './port.js';
import { WhisperEngine, type WhisperOptions } from './whisper.js';

export type { AsrEngine, AsrEngineName, AsrOptions, AsrResult } from './port.js';

export interface CreateAsrOptions {
  pocketsphinx?: PocketsphinxOptions;
  whisper?: WhisperOptions;
  openai?: OpenAiAsrOptions;
}

export function asrEngineName(value: string | undefined = engineSettings().ASR_ENGINE): AsrEngineName {
  const v = (value ?? 'pocketsphinx').trim().toLowerCase() || 'pocketsphinx';
  if (!(ASR_ENGINES as readonly string[]).includes(v)) {
    throw new AppError('bad_request', `ASR_ENGINE=${value} is not one of ${ASR_ENGINES.join(', ')}`);
  }
  return v as AsrEngineName;
}

export async function createAsrEngine(name: string | undefined = engineSettings().ASR_ENGINE, o: CreateAsrOptions = {}): Promise<AsrEngine> {
  const env = engineSettings();
  switch (asrEngineName(name)) {
    case 'pocketsphinx':
      return new PocketsphinxEngine({
        hmm: env.POCKETSPHINX_HMM,
        lm: env.POCKETSPHINX_LM,
        dict: env.POCKETSPHINX_DICT,
        ...o.pocketsphinx,
      });
    case 'whisper':
      return WhisperEngine.load(o.whisper);
    case 'openai':
      return new OpenAiAsrEngine(o.openai);
  }
}
