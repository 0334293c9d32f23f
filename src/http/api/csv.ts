/**
 * CSV as RFC 4180 has it: a field holding a comma, a double quote, CR or LF is quoted, its quotes doubled;
 * records end in CRLF. Empty for null and undefined.
 */
export function csvField(v: string | number | null | undefined): string {
  if (v === null || v === undefined) return '';
  const s = String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csvRecord(fields: ReadonlyArray<string | number | null | undefined>): string {
  return `${fields.map(csvField).join(',')}\r\n`;
}
