import { describe, expect, it } from 'vitest';
import { YearChart } from '../../src/http/web/pages/facets.js';

const bucket = (value: string, moments: number) => ({ value, moments, recordings: 1 });
/** The years written under the chart's bars, each with its bar's position. */
async function labels(years: ReturnType<typeof bucket>[]): Promise<[number, string][]> {
  const html = String(await YearChart({ years, p: { q: 'strike' } })!.toString());
  const cells = [...html.matchAll(/<span class="year" aria-hidden="true">(\d*)<\/span>/g)].map((m) => m[1]);
  return cells.flatMap((y, i) => (y ? [[i, y] as [number, string]] : []));
}

describe('the year chart', () => {
  it('writes the first and last years and the decades between, none so close to another that they run together', async () => {
    // 1974–2021: 48 bars; "2020" one bar before "2021" printed as "20202021".
    const shown = await labels([bucket('1974', 9), bucket('1983', 2), bucket('1998', 1), bucket('2021', 1)]);
    expect(shown.map(([, y]) => y)).toEqual(['1974', '1980', '1990', '2000', '2010', '2021']);
    for (let i = 1; i < shown.length; i++) expect(shown[i][0] - shown[i - 1][0]).toBeGreaterThanOrEqual(3);
  });

  it('keeps a decade far enough from the ends, and every year of a short span', async () => {
    expect((await labels([bucket('1958', 1), bucket('2003', 2)])).map(([, y]) => y)).toEqual(['1958', '1970', '1980', '1990', '2003']);
    expect((await labels([bucket('1999', 1), bucket('2004', 3)])).map(([, y]) => y)).toEqual(['1999', '2000', '2001', '2002', '2003', '2004']);
  });
});
