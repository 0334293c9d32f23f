import type { Cue, Moment } from '../core/index.js';

/** Cues and moments shown under the names given: each cue keeps the label it came with. */
export function withSpeakerNames(names: Map<string, string>, cues: Cue[], moments: Moment[]): { cues: Cue[]; moments: Moment[] } {
  if (names.size === 0) return { cues, moments };
  const show = (label: string) => names.get(label) ?? label;
  return {
    cues: cues.map((c) => {
      const label = c.label ?? c.speaker;
      if (label === undefined) return c;
      const { label: _, ...rest } = c;
      const speaker = show(label);
      return speaker === label ? { ...rest, speaker } : { ...rest, speaker, label };
    }),
    moments: moments.map((m) => (m.speakers.length ? { ...m, speakers: [...new Set(m.speakers.map(show))] } : m)),
  };
}
