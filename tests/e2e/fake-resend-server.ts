/**
 * The fake Resend server for end-to-end runs (playwright.config.ts starts it before the app and
 * points the app's real Resend SDK at it through RESEND_BASE_URL). Tests read what was "sent"
 * from GET /__test/emails. Run with the pinned Node 24, which runs TypeScript as it is.
 */
import { FakeResend } from '../helpers/fake-resend.ts';

const port = Number(process.env.FAKE_RESEND_PORT);
if (!Number.isInteger(port) || port <= 0) throw new Error('Set FAKE_RESEND_PORT.');
const fake = new FakeResend();
await fake.start(port);
console.log(`Fake Resend listening on ${fake.baseUrl}`);
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => void fake.stop().then(() => process.exit(0)));
