/**
 * Rendered customer pages, kept in memory and served again without rendering.
 *
 * A customer page is a pure function of an immutable published version and of who is looking
 * (the participant's header). So once Astro has rendered it for one invitation and version, the
 * same bytes are right for every later request of that invitation until the version changes —
 * which gives a new key — or the invitation ends, when its entries are dropped. The HTTP front
 * (src/server/http/serve.ts) answers from here before Astro runs at all, after the same access
 * checks. Entries never hold Set-Cookie headers. Memory is bounded by total body size; the
 * least recently used pages go first.
 */
export interface CachedPage {
  status: number;
  headers: [string, string][];
  body: Uint8Array;
}

const UNCACHEABLE_HEADERS = new Set(['set-cookie', 'content-length', 'transfer-encoding', 'connection', 'date', 'etag']);

export function createPageCache(options: { maxBytes: number }) {
  const pages = new Map<string, CachedPage>();
  let totalBytes = 0;

  function remove(key: string): void {
    const page = pages.get(key);
    if (!page) return;
    totalBytes -= page.body.byteLength;
    pages.delete(key);
  }

  return {
    get(key: string): CachedPage | undefined {
      const page = pages.get(key);
      if (page) {
        pages.delete(key); // Map order is least recently used first
        pages.set(key, page);
      }
      return page;
    },

    /** Keeps a rendered page; returns the entry, or null when it is too big to keep. */
    put(key: string, page: { status: number; headers: Headers; body: Uint8Array }): CachedPage | null {
      if (page.body.byteLength > options.maxBytes / 4) return null;
      remove(key);
      const headers = [...page.headers].filter(([name]) => !UNCACHEABLE_HEADERS.has(name.toLowerCase()));
      const entry: CachedPage = { status: page.status, headers, body: page.body };
      pages.set(key, entry);
      totalBytes += page.body.byteLength;
      while (totalBytes > options.maxBytes) remove(pages.keys().next().value!);
      return entry;
    },

    /** Drops every page whose key starts with the prefix (an invitation ended, say). */
    forget(prefix: string): void {
      for (const key of [...pages.keys()]) if (key.startsWith(prefix)) remove(key);
    },

    forgetWhere(isStale: (key: string) => boolean): void {
      for (const key of [...pages.keys()]) if (isStale(key)) remove(key);
    },

    get size(): number {
      return pages.size;
    },
  };
}
export type PageCache = ReturnType<typeof createPageCache>;

/** The key of a participant's customer page: one invitation, one version. */
export function customerPageKey(invitationId: string, versionId: string): string {
  return `invitation:${invitationId}:${versionId}`;
}
