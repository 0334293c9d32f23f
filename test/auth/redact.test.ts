import { describe, expect, it } from 'vitest';
import { redactUrls, safeUrl, splitCredentials, urlHost } from '../../src/core/redact.js';

describe('redaction of configured URLs', () => {
  it('safeUrl keeps scheme, host and path; drops user, password, query and fragment', () => {
    expect(safeUrl('https://bot:hunter2@llm.example:8443/v1?key=abc#x')).toBe('https://llm.example:8443/v1');
    expect(safeUrl('http://127.0.0.1:8080/')).toBe('http://127.0.0.1:8080');
    expect(safeUrl('not a url')).toBe('(invalid url)');
  });

  it('urlHost is the host alone', () => {
    expect(urlHost('http://u:p@10.0.0.5:11434/v1')).toBe('10.0.0.5:11434');
  });

  it('redactUrls cleans every URL inside a message and leaves the rest', () => {
    const msg = 'Request cannot be constructed from a URL that includes credentials: http://hooks:s3cret@hooks.example/in?sig=tok; then https://a:b@c.example';
    const out = redactUrls(msg);
    expect(out).toBe('Request cannot be constructed from a URL that includes credentials: http://hooks.example/in then https://c.example');
    expect(out).not.toMatch(/s3cret|tok|a:b/);
    expect(redactUrls('no url here: ECONNREFUSED')).toBe('no url here: ECONNREFUSED');
  });

  it('splitCredentials moves credentials into a Basic header', () => {
    expect(splitCredentials('https://hooks.example/in')).toEqual({ url: 'https://hooks.example/in' });
    const s = splitCredentials('https://us%40er:p%3Ass@hooks.example/in?sig=1');
    expect(s.url).toBe('https://hooks.example/in?sig=1');
    expect(Buffer.from(s.authorization!.replace(/^Basic /, ''), 'base64').toString()).toBe('us@er:p:ss');
  });
});
