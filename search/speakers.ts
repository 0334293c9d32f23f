/**
 * Speaker-aware questions: "what did the marketing lead say about the price" should look at what
 * Marketing said. A known speaker label is applied as a filter when the question names it next to a
 * verb of speaking or an opinion word, so a label that merely appears as a topic ("marketing budget")
 * does not narrow the search.
 */
const SPEECH = String.raw`(?:say|said|says|saying|think|thinks|thought|feel|feels|felt|propose[sd]?|suggest(?:s|ed)?|argue[sd]?|mention(?:s|ed)?|explain(?:s|ed)?|believe[sd]?|recommend(?:s|ed)?|want(?:s|ed)?|present(?:s|ed)?|report(?:s|ed)?|ask(?:s|ed)?|answer(?:s|ed)?|describe[sd]?|talk(?:s|ed)?|discuss(?:es|ed)?|claim(?:s|ed)?|insist(?:s|ed)?|agree[sd]?|disagree[sd]?|opinion|view|views|position|stance|idea|ideas|concern|concerns|think about)`;

const GENERIC = new Set(['speaker', 'unknown', 'unknown speaker', 'guest', 'the', 'a', 'an', 'and', 'or', 'of', 'to', 'in', 'it', 'i', 'you', 'we', 'all']);

export interface SpeakerMatch {
  label: string;
  /** The words of the question that named the speaker. */
  matched: string;
}

export function detectSpeaker(question: string, labels: string[]): SpeakerMatch | null {
  const q = question.toLowerCase();
  let best: SpeakerMatch | null = null;
  for (const label of labels) {
    const l = label.toLowerCase().trim();
    // Most labels are not in the question at all: skip them before compiling three patterns each (with
    // hundreds of labels in an archive, compiling them all cost ~7 ms a search).
    if (l.length < 3 || GENERIC.has(l) || !q.includes(l.split(/\s+/)[0])) continue;
    const name = escape(l).replace(/\s+/g, '\\s+');
    // "<label> ... say", "<label>'s opinion", "according to <label>", "did <label> ..." within a short distance
    const patterns = [
      new RegExp(String.raw`\b${name}(?:'s)?\b(?:\s+\w+){0,3}?\s+${SPEECH}\b`),
      new RegExp(String.raw`\b(?:according to|did|does|do|was|were|has|had|would)\s+(?:the\s+)?${name}\b`),
      new RegExp(String.raw`\b${SPEECH}\s+(?:by|from)\s+(?:the\s+)?${name}\b`),
    ];
    const m = patterns.map((p) => p.exec(q)).find(Boolean);
    // The longest label wins: "Project Manager" over "Manager".
    if (m && (!best || l.length > best.label.length)) best = { label, matched: m[0] };
  }
  return best;
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
