/**
 * The URL an action request goes to: its rendered `url` when that is absolute (http:// or https://),
 * otherwise the url joined onto the connection's rendered baseUrl. Joining is textual, not RFC 3986
 * resolution, because `new URL("/tickets.json", "https://x.zendesk.com/api/v2")` would drop `/api/v2`.
 * Throws when there is nothing to join onto or the result is not an http(s) URL.
 */
export function resolveRequestUrl(renderedUrl: string, renderedBaseUrl: string | undefined): string {
  const url = renderedUrl.trim();
  let joined: string;
  if (/^https?:\/\//i.test(url)) {
    joined = url;
  } else if (renderedBaseUrl === undefined || renderedBaseUrl.trim() === '') {
    throw new Error(`relative URL "${url}" needs a connection baseUrl`);
  } else {
    const base = renderedBaseUrl.trim().replace(/\/+$/, '');
    const relative = url.replace(/^\/+/, '');
    joined = relative === '' ? base : `${base}/${relative}`;
  }
  let parsed: URL;
  try {
    parsed = new URL(joined);
  } catch {
    throw new Error(`"${joined}" is not a valid URL`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new Error(`"${joined}" is not an http(s) URL`);
  }
  return parsed.toString();
}
