/**
 * Words that frame a question about speech rather than name its subject: "summarize the discussion
 * about X", "what did F think about X". In a speech archive they are everywhere in the questions and
 * carry no information about where the answer is, so the lexical leg drops them (the vector leg keeps
 * the whole question: the model weighs such words itself).
 */
const FRAMING = /\b(summari[sz]e[sd]?|summary|summaries|discuss(?:ed|es|ing|ion|ions)?|talk(?:ed|s|ing)? about|say|says|said|think|thinks|thought|opinions?|mention(?:ed|s)?|describe[sd]?|explain(?:ed|s)?|according to|what|why|how|who|whom|whose|when|where|which)\b/gi;

const FILLER = new Set(['the', 'a', 'an', 'was', 'were', 'is', 'are', 'be', 'did', 'do', 'does', 'about', 'of', 'to', 'in', 'on', 'for', 'and', 'or', 'it', 'that', 'this', 'they', 'we', 'you', 'i']);

export function lexicalQuery(q: string): string {
  const stripped = q.replace(FRAMING, ' ').replace(/\s+/g, ' ').trim();
  // A question made only of framing words keeps them: something is better than nothing.
  const content = stripped.toLowerCase().match(/[\p{L}\p{N}]+/gu)?.filter((w) => !FILLER.has(w)) ?? [];
  return content.length ? stripped : q;
}
