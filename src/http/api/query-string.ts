/**
 * The first query parameter whose name or value is not valid percent-encoded UTF-8 ("%ED%A0%80", "%C3", "%zz"), as
 * sent. Hono's query reading keeps such a sequence as literal text, so q=%ED%A0%80 would search for "%ED%A0%80".
 */
export function malformedQueryParam(url: string): { name: string; raw: string } | null {
  const start = url.indexOf('?');
  if (start === -1) return null;
  const hash = url.indexOf('#', start);
  for (const pair of url.slice(start + 1, hash === -1 ? undefined : hash).split('&')) {
    const eq = pair.indexOf('=');
    const [name, value] = eq === -1 ? [pair, ''] : [pair.slice(0, eq), pair.slice(eq + 1)];
    const decoded = decodedOrNull(name);
    if (decoded === null) return { name, raw: name };
    if (decodedOrNull(value) === null) return { name: decoded, raw: value };
  }
  return null;
}

function decodedOrNull(s: string): string | null {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return null;
  }
}
