/**
 * CSV as RFC 4180 has it: a field holding a comma, a double quote, CR or LF is quoted, its quotes doubled;
 * records end in CRLF. Empty for null and undefined. Text that a spreadsheet would read as a formula (it starts
 * with =, +, -, @, a tab or CR: transcripts are untrusted input) gets a leading apostrophe, as OWASP advises
 * against CSV injection; numbers are written as they are.
 */
export function csvField(v: string | number | null | undefined): string {
  if (v === null || v === undefined) return '';
  const s = typeof v === 'string' && /^[=+\-@\t\r]/.test(v) ? `'${v}` : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csvRecord(fields: ReadonlyArray<string | number | null | undefined>): string {
  return `${fields.map(csvField).join(',')}\r\n`;
}
