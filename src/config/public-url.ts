/**
 * The address people use to reach the server, for links in emails and the sign-in hint. Unset,
 * it follows PORT, so that `PORT=8080 npm start` prints and emails links that work on this
 * machine; behind a proxy or on a real host it must be set (README, Configuration).
 */
export function publicUrlFor(configured: string | undefined | null, port: number): string {
  const url = configured?.trim() || `http://localhost:${port}`;
  return url.replace(/\/+$/, '');
}
