/// <reference types="astro/client" />

declare namespace App {
  interface Locals {
    app: import('./server/app.ts').App;
    staff: import('./server/staff/staff.ts').StaffMember | null;
    staffSessionId: string | null;
    participant: import('./server/portal/participants.service.ts').ParticipantIdentity | null;
  }
}
