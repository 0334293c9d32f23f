/**
 * What may leave the server about its own configuration: error messages reach anonymous users and logs reach
 * whoever reads them, so neither carries a URL's credentials or query (which often holds a token).
 */

const URL_IN_TEXT = /\b([a-z][a-z0-9+.-]*:\/\/)(?:[^\s/?#@]*@)?([^\s/?#]+)([^\s?#]*)(?:\?[^\s#]*)?(?:#\S*)?/gi;

/** A URL as it may be shown or logged: scheme, host and path; no user, password, query or fragment. */
export function safeUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname === '/' ? '' : u.pathname}`;
  } catch {
    return '(invalid url)';
  }
}

/** The host (and port) of a URL, for a log line that says which service failed. */
export function urlHost(url: string): string {
  try {
    return new URL(url).host || '(no host)';
  } catch {
    return '(invalid url)';
  }
}

/** Text with every URL in it cut down to scheme, host and path (credentials, query and fragment removed). */
export function redactUrls(text: string): string {
  return text.replace(URL_IN_TEXT, (_m, scheme: string, host: string, p: string) => `${scheme}${host}${p}`);
}

/**
 * A URL's credentials (`https://user:pass@host/…`) as a Basic Authorization header, and the URL without them:
 * fetch refuses a URL that carries credentials, and a header keeps them out of error messages.
 */
export function splitCredentials(url: string): { url: string; authorization?: string } {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return { url };
  }
  if (!u.username && !u.password) return { url };
  const user = decodeURIComponent(u.username);
  const pass = decodeURIComponent(u.password);
  u.username = '';
  u.password = '';
  return { url: u.toString(), authorization: `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}` };
}
