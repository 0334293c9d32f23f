export { analysisOf, detectLanguage, detectTranscriptLanguage, LANGUAGE_NAMES, LANGUAGES, languageOf, languageTagOf, SPEECH_FILLERS, STOP_WORDS, TEXT_SEARCH_CONFIGS, withoutStopWords } from './language.js';
export type { Analysis, Language } from './language.js';
