import { renderInvitationEmail } from '../../emails/invitation.ts';
import type { EmailMessage, MailLogger } from '../../src/server/mail/mail.ts';

/** A logger that keeps what it was told, so tests stay quiet and can read the log. */
export function createRecordingLogger(): MailLogger & { lines: string[] } {
  const lines: string[] = [];
  return { lines, info: (m) => void lines.push(m), warn: (m) => void lines.push(m), error: (m) => void lines.push(m) };
}

let counter = 0;

/** A rendered invitation to a distinct address. */
export function sampleInvitation(overrides: Partial<EmailMessage> = {}): EmailMessage {
  counter += 1;
  return {
    kind: 'invitation',
    to: `person${counter}@example.com`,
    relatedId: `invitation-${counter}`,
    ...renderInvitationEmail({
      recipientName: `Person ${counter}`,
      account: 'Example Ltd',
      teamName: 'the Acme CX team',
      mapTitle: 'Getting started',
      link: `https://groundtruth.example.com/i/token-${counter}`,
      expiresAt: Date.UTC(2026, 11, 25),
    }),
    ...overrides,
  };
}

export const FROM = 'Acme CX <cx@acme.example>';
