/**
 * The composition root: every service, wired to one database and one clock. The web server
 * (src/server/runtime.ts), the command line and the tests all build the app through here, so
 * they run the same code.
 */
import { sql } from 'kysely';
import type { DB } from '../../db/connection.ts';
import { createAuthService } from './auth/auth.service.ts';
import { systemClock, type Clock } from './clock.ts';
import { createDemoService } from './demo/demo.service.ts';
import { createMapsService } from './maps/maps.service.ts';
import { createPortalService } from './portal/portal.service.ts';
import { createPublishingService } from './publishing/publishing.service.ts';
import { RateLimiter } from './security/rate-limiter.ts';
import { createStaffService } from './staff/staff.service.ts';

const FIFTEEN_MINUTES = 15 * 60 * 1000;

export interface AppConfig {
  sessionDays: number;
  publicUrl: string;
}

export const defaultAppConfig: AppConfig = { sessionDays: 14, publicUrl: 'http://localhost:4321' };

export function createApp(options: { db: DB; clock?: Clock; config?: Partial<AppConfig> }) {
  const { db } = options;
  const clock = options.clock ?? systemClock;
  const config = { ...defaultAppConfig, ...options.config };
  const signInLimiters = {
    perAccount: new RateLimiter({ limit: 5, windowMs: FIFTEEN_MINUTES }),
    perClient: new RateLimiter({ limit: 30, windowMs: FIFTEEN_MINUTES }),
  };
  const staff = createStaffService({ db, clock });
  const maps = createMapsService({ db, clock });
  const publishing = createPublishingService({ db, clock, maps });
  return {
    db,
    clock,
    config,
    auth: createAuthService({ db, clock, sessionDays: config.sessionDays, limiters: signInLimiters }),
    staff,
    maps,
    publishing,
    portal: createPortalService({ db }),
    demo: createDemoService({ db, staff, maps, publishing }),
    /** True when the database answers a query. */
    async isDatabaseHealthy(): Promise<boolean> {
      try {
        await sql`select 1`.execute(db);
        return true;
      } catch {
        return false;
      }
    },
  };
}
export type App = ReturnType<typeof createApp>;
