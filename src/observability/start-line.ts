/** What the start line says about where a node's data lives: the URL without its user, password or query. */

/** `postgres://user:secret@db:5432/tollgate?sslmode=require` as `postgres://db:5432/tollgate`; SQLite paths as they are. */
export function withoutCredentials(url: string | undefined): string | undefined {
  if (url === undefined || url.startsWith('sqlite:')) return url;
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}${parsed.pathname === '/' ? '' : parsed.pathname}`;
  } catch {
    return `${url.split(':')[0]}:...`;
  }
}
