/** application/x-www-form-urlencoded, strictly: malformed percent-encoding or UTF-8 is an error, not a guess. */
export function formDecode(value: string): string {
  return decodeURIComponent(value.replace(/\+/g, ' '));
}

/** Parses a form body into name/value pairs in order; throws URIError on broken encoding. */
export function parseForm(body: string): [string, string][] {
  if (body === '') return [];
  return body.split('&').filter((part) => part !== '').map((part) => {
    const eq = part.indexOf('=');
    return eq === -1 ? [formDecode(part), ''] : [formDecode(part.slice(0, eq)), formDecode(part.slice(eq + 1))];
  });
}
