/** @jsxRuntime automatic @jsxImportSource hono/jsx */
import type { Context } from 'hono';
import { createContext, useContext, type Child } from 'hono/jsx';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { assetUrl } from './assets.js';

export type PageName = 'search' | 'recording' | 'ask' | 'ingest' | 'signin' | 'error' | 'speakers';

/** Who is signed in (the key's name), for the page header; set by sendPage from the request. */
const Account = createContext<string | null>(null);

const NAV: { href: string; label: string; page: PageName }[] = [
  { href: '/', label: 'Search', page: 'search' },
  { href: '/ask', label: 'Ask', page: 'ask' },
  { href: '/speakers', label: 'Speakers', page: 'speakers' },
  { href: '/ingest', label: 'Add recordings', page: 'ingest' },
];

interface LayoutProps {
  title: string;
  page: PageName;
  script?: string;
  /** Extra <head> content, e.g. a refresh for pages that follow a job without JS. */
  head?: Child;
  children?: Child;
}

export function Layout({ title, page, script, head, children }: LayoutProps) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="color-scheme" content="light dark" />
        <title>{title === 'Speech archive' ? title : `${title} · Speech archive`}</title>
        <link rel="stylesheet" href={assetUrl('app.css')} />
        {head}
        {script ? <script type="module" src={assetUrl(script)}></script> : null}
      </head>
      <body data-page={page}>
        <a class="skip" href="#main">
          Skip to content
        </a>
        <header class="site">
          <nav aria-label="Main">
            <a class="brand" href="/">
              Speech archive
            </a>
            <ul>
              {NAV.map((n) => (
                <li>
                  <a href={n.href} aria-current={n.page === page ? 'page' : undefined}>
                    {n.label}
                  </a>
                </li>
              ))}
              <SignOut />
            </ul>
          </nav>
        </header>
        <main id="main" tabindex={-1}>
          {children}
        </main>
      </body>
    </html>
  );
}

/** Signed in with a key (the sign-in cookie): a way out, named after the key. */
function SignOut() {
  const name = useContext(Account);
  if (!name) return null;
  return (
    <li>
      <form class="signout" action="/signout" method="post">
        <button type="submit" class="link" title={`Signed in with the key “${name}”`}>
          Sign out
        </button>
      </form>
    </li>
  );
}

/** Sends a page as HTML with a doctype; pages run no inline script, so the policy can forbid it. */
export async function sendPage(c: Context, node: unknown, status: ContentfulStatusCode = 200): Promise<Response> {
  const identity = c.get('identity' as never) as { key: { name: string } | null; from: string | null } | undefined;
  const account = identity?.from === 'cookie' && identity.key ? identity.key.name : null;
  c.header(
    'Content-Security-Policy',
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; media-src * blob: data:; " +
      "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  );
  c.header('X-Content-Type-Options', 'nosniff');
  c.header('Referrer-Policy', 'same-origin');
  const page = <Account.Provider value={account}>{node as Child}</Account.Provider>;
  return c.html(`<!doctype html>${String(await page)}`, status);
}

export function ErrorPage({ title, message, status }: { title: string; message: Child; status: number }) {
  return (
    <Layout title={title} page="error">
      <section class="error-page">
        <p class="status">{status}</p>
        <h1>{title}</h1>
        <p>{message}</p>
        <p>
          <a href="/">Search the archive</a>
        </p>
      </section>
    </Layout>
  );
}

/** A labelled text-like input. */
export function Field(props: { name: string; label: string; value?: string; type?: string; list?: string; placeholder?: string; hint?: string; id?: string }) {
  const id = props.id ?? `f-${props.name}`;
  return (
    <div class="field">
      <label for={id}>{props.label}</label>
      <input id={id} name={props.name} type={props.type ?? 'text'} value={props.value ?? ''} list={props.list} placeholder={props.placeholder} aria-describedby={props.hint ? `${id}-hint` : undefined} />
      {props.hint ? (
        <small id={`${id}-hint`} class="hint">
          {props.hint}
        </small>
      ) : null}
    </div>
  );
}
