/** Only same-site paths are followed after sign-in: no `//host`, no `/\host`, no schemes. */
export function safeNextPath(next: string | null | undefined, fallback = '/app'): string {
  if (!next || !next.startsWith('/') || next.startsWith('//') || next.startsWith('/\\')) return fallback;
  if (next.length > 2000 || /[\u0000-\u001f]/.test(next)) return fallback;
  return next;
}
