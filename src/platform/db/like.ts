/**
 * `text` as a literal inside a LIKE pattern: its `\`, `%` and `_` escaped (backslash is LIKE's default escape in
 * both adapters), so that a search for "50%" or "SPEAKER_0" matches those characters and nothing else.
 */
export const likeLiteral = (text: string) => text.replace(/[\\%_]/g, '\\$&');
