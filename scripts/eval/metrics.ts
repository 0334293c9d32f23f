/**
 * Retrieval metrics for "find the moment" questions. A returned span is relevant when it overlaps a gold
 * span of the question's recording; each gold span is credited once (to the best-ranked result that
 * overlaps it), so a system cannot score twice by returning two pieces of one answer.
 */
export interface Returned {
  recordingId: string;
  start: number;
  end: number;
}

export interface Gold {
  recordingId: string;
  spans: [number, number][];
}

export interface QueryScores {
  ndcg: number;
  rr: number;
  recall: number;
}

export function scoreQuery(results: Returned[], gold: Gold, k = 10): QueryScores {
  const credited = new Set<number>();
  let dcg = 0;
  let rr = 0;
  results.slice(0, k).forEach((r, i) => {
    if (r.recordingId !== gold.recordingId) return;
    const g = gold.spans.findIndex(([s, e], gi) => !credited.has(gi) && r.start < e && r.end > s);
    if (g < 0) return;
    credited.add(g);
    dcg += 1 / Math.log2(i + 2);
    if (rr === 0) rr = 1 / (i + 1);
  });
  let idcg = 0;
  for (let i = 0; i < Math.min(k, gold.spans.length); i++) idcg += 1 / Math.log2(i + 2);
  return { ndcg: idcg ? dcg / idcg : 0, rr, recall: gold.spans.length ? credited.size / gold.spans.length : 0 };
}

export function mean(xs: number[]): number {
  return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0;
}
