export { analysisOf, detectLanguage, LANGUAGE_NAMES, LANGUAGES, languageOf, STOP_WORDS } from './language.js';
export type { Analysis, Language } from './language.js';
