/** @jsxRuntime automatic @jsxImportSource hono/jsx */
import { clock, clockRange, htmlLang, longDate, momentHref, pageWarnings, qs, routingText, type RoutingInfo } from './format.js';

/** The `POST /v1/ask` answer (also the data of the stream's `done` event). */
export type { Citation } from '../../answer/index.js';
import type { Citation } from '../../answer/index.js';
export interface Unsupported {
  sentence: string;
  reason: string;
  citations?: number[];
}
export interface Answer {
  answer: string;
  kind: 'generative' | 'extractive' | 'no_answer';
  citations: Citation[];
  /** With no_answer: the passages nearest to the question, none close enough to answer from. */
  nearest?: Citation[];
  /** Sentences the checker flagged; the API leaves them out of `answer`, so most are shown apart from it. */
  unsupported: Unsupported[];
  routing: RoutingInfo | null;
  /** The language the question was read in: a model's answer and the archive's no-answer are in it. */
  language?: { code: string; source: string };
  warnings?: string[];
  truncated?: boolean;
  took_ms?: number;
}

const REASONS: Record<string, string> = {
  not_supported: 'the cited passages do not say this',
  uncited: 'no passage is cited for this',
  invented_citation: 'it cites a passage that was not retrieved',
};

/** The checker's reason in words. */
export function reasonText(u: Unsupported): string {
  const why = REASONS[u.reason] ?? u.reason.replace(/_/g, ' ');
  return u.citations?.length ? `${why} (cited ${u.citations.map((n) => `[${n}]`).join('')})` : why;
}

const KIND_LABEL: Record<Answer['kind'], string> = {
  generative: 'Generated answer, checked against the cited passages',
  extractive: 'Extractive answer (no language model configured)',
  no_answer: 'No answer in the archive',
};

export type Piece = { text: string; unsupported?: string } | { cite: number };

/** Splits the answer into text, citation markers and the flagged sentences that are still in it. */
export function answerPieces(answer: string, unsupported: Unsupported[]): { pieces: Piece[]; unplaced: Unsupported[] } {
  const spans: { from: number; to: number; reason: string }[] = [];
  const unplaced: Unsupported[] = [];
  for (const u of unsupported) {
    const s = u.sentence.trim();
    const at = s ? answer.indexOf(s) : -1;
    if (at < 0 || spans.some((x) => at < x.to && x.from < at + s.length)) unplaced.push(u);
    else spans.push({ from: at, to: at + s.length, reason: reasonText(u) });
  }
  spans.sort((a, b) => a.from - b.from);
  const pieces: Piece[] = [];
  let pos = 0;
  const push = (text: string, reason?: string) => {
    for (const part of text.split(/(\[\d+(?:\s*[-–,]\s*\d+)*\])/)) {
      const m = /^\[(.+)\]$/.exec(part);
      if (m) for (const n of expandCitation(m[1])) pieces.push({ cite: n });
      else if (part) pieces.push(reason === undefined ? { text: part } : { text: part, unsupported: reason });
    }
  };
  for (const sp of spans) {
    push(answer.slice(pos, sp.from));
    push(answer.slice(sp.from, sp.to), sp.reason);
    pos = sp.to;
  }
  push(answer.slice(pos));
  return { pieces, unplaced };
}

/** "1, 3" → [1, 3]; "2-4" → [2, 3, 4]. */
export function expandCitation(inner: string): number[] {
  const out: number[] = [];
  for (const part of inner.split(',')) {
    const [a, b] = part.split(/[-–]/).map((x) => Number(x.trim()));
    if (b === undefined || Number.isNaN(b)) out.push(a);
    else for (let i = a; i <= b && i - a < 50; i++) out.push(i);
  }
  return out.filter((n) => Number.isInteger(n));
}

/**
 * The link of a citation: the recording at the start of the cited moment's best sentence, with the question.
 * Answers stored before citations had `at` open at the passage's start.
 */
export function citeHref(c: Citation, question?: string): string {
  return momentHref(c.recording_id, c.at ?? c.start, question);
}

/**
 * The `lang` of a quoted answer's text: that of its sources when they share one language (it is their words), none
 * when they differ. A model's answer, and the archive's no-answer, are in the question's language.
 */
export function answerLang(citations: Citation[], defaultLanguage: string): string | undefined {
  const tags = citations.map((c) => htmlLang(c.language, defaultLanguage));
  const primary = new Set(tags.map((t) => t?.split('-')[0].toLowerCase()));
  return primary.size === 1 ? [...primary][0] : undefined;
}

/** `defaultLanguage`: the language of recordings that name none (DEFAULT_LANGUAGE), for the sources' `lang`. */
export function AnswerView({ a, question, defaultLanguage = 'en' }: { a: Answer; question?: string; defaultLanguage?: string }) {
  const byN = new Map(a.citations.map((c) => [c.n, c]));
  const { pieces, unplaced } = answerPieces(a.answer, a.unsupported);
  return (
    <div class="answer-final" data-kind={a.kind}>
      <p class={`kind ${a.kind}`}>
        {KIND_LABEL[a.kind] ?? a.kind}
        {a.took_ms !== undefined ? <span class="muted"> · {Math.round(a.took_ms)} ms</span> : null}
      </p>
      {a.routing ? <p class="chip routing">{routingText(a.routing)}</p> : null}
      {a.truncated ? <p class="notice warn">The model stopped early: this is the part of the answer that arrived, checked.</p> : null}
      {pageWarnings(a.warnings, a.routing).map((w) => (
        <p class="notice warn">{w}</p>
      ))}
      <div class="answer-text" lang={a.kind === 'extractive' ? answerLang(a.citations, defaultLanguage) : a.language?.code}>
        {pieces.map((p) => {
          if ('cite' in p) {
            const c = byN.get(p.cite);
            return c ? (
              <a class="cite" href={citeHref(c, question)} data-n={c.n} title={`${c.recording_title}, ${clockRange(c.start, c.end)}`}>
                [{c.n}]
              </a>
            ) : (
              <span class="cite missing">[{p.cite}]</span>
            );
          }
          return p.unsupported !== undefined ? (
            <span class="unsupported" title={`Not supported by the cited passages: ${p.unsupported}`} tabindex={0}>
              {p.text}
              <span class="visually-hidden"> (not supported: {p.unsupported})</span>
            </span>
          ) : (
            p.text
          );
        })}
      </div>
      {a.kind === 'no_answer' && question ? (
        // The answer's gate asks for most of the question's words (and its meaning) in the passages; the search lists the nearest anyway.
        <p class="muted">
          No passage is close enough to the question to answer from. <a href={`/${qs({ q: question })}`}>Search the archive for it</a> to see the passages nearest to it.
        </p>
      ) : null}
      {a.kind === 'no_answer' && a.nearest?.length ? (
        <section class="citations nearest" aria-labelledby="nearest-heading">
          <h2 id="nearest-heading">Nearest passages</h2>
          <ol>
            {a.nearest.map((c) => (
              <Source c={c} question={question} defaultLanguage={defaultLanguage} />
            ))}
          </ol>
        </section>
      ) : null}
      {unplaced.length ? (
        <section class="removed" aria-labelledby="removed-heading">
          <h2 id="removed-heading">Left out of the answer</h2>
          <p class="muted small">The model also wrote these sentences; the check against the passages did not hold, so they are not part of the answer.</p>
          <ul>
            {unplaced.map((u) => (
              <li>
                <span class="unsupported" title={`Unsupported: ${reasonText(u)}`} tabindex={0}>
                  {u.sentence}
                </span>{' '}
                <span class="why">— {reasonText(u)}</span>
              </li>
            ))}
          </ul>
        </section>
      ) : null}
      {a.citations.length ? (
        <section class="citations" aria-labelledby="citations-heading">
          <h2 id="citations-heading">Sources</h2>
          <ol>
            {a.citations.map((c) => (
              <Source c={c} question={question} defaultLanguage={defaultLanguage} cited />
            ))}
          </ol>
        </section>
      ) : null}
    </div>
  );
}

/**
 * One passage in a list: a cited source (numbered as in the answer) or one of a no_answer's nearest. The sentence a
 * quoted answer took from it is marked where the passage says it: two quotes of one passage are two sources, each
 * marking its own.
 */
function Source({ c, question, defaultLanguage, cited = false }: { c: Citation; question?: string; defaultLanguage: string; cited?: boolean }) {
  const found = c.quote ? whereQuoted(c.quote, c.text) : null;
  return (
    <li id={cited ? `cite-${c.n}` : undefined} value={cited ? c.n : undefined} data-recording={c.recording_id} data-start={c.start} data-end={c.end}>
      <p class="meta">
        {cited ? (
          <>
            <span class="n">[{c.n}]</span>{' '}
          </>
        ) : null}
        <a href={citeHref(c, question)}>{c.recording_title}</a> · <time datetime={c.recorded_at ?? undefined}>{longDate(c.recorded_at)}</time> · {clockRange(c.start, c.end)}
        {/* Two quotes of one passage are two sources: where each opens tells them apart. */}
        {clock(c.at) !== clock(c.start) ? `, opens at ${clock(c.at)}` : null} ·{' '}
        <span class="speaker">{c.speaker ?? 'Unknown speaker'}</span>
      </p>
      <blockquote lang={htmlLang(c.language, defaultLanguage)}>
        {found ? (
          <>
            {c.text.slice(0, found.from)}
            <mark class="quoted">{c.text.slice(found.from, found.to)}</mark>
            {c.text.slice(found.to)}
          </>
        ) : (
          c.text
        )}
      </blockquote>
    </li>
  );
}

/**
 * Where `text` says `quote`, spacing aside: a quote reads as the answer writes it ("We're gonna have to, uh,"), and a
 * transcript keeps its corpus's spacing ("We 're gonna have to , uh ,"). The span is of `text`, its own spacing kept.
 */
function whereQuoted(quote: string, text: string): { from: number; to: number } | null {
  const at: number[] = [];
  let squeezed = '';
  for (let i = 0; i < text.length; i++) {
    if (/\s/.test(text[i])) continue;
    at.push(i);
    squeezed += text[i];
  }
  const wanted = quote.replace(/\s+/g, '');
  const i = wanted ? squeezed.indexOf(wanted) : -1;
  return i < 0 ? null : { from: at[i], to: at[i + wanted.length - 1] + 1 };
}
