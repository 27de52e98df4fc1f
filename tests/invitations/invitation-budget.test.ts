import { describe, expect, it } from 'vitest';
import { HourlyAllowance } from '../../src/server/invitations/invitation-budget.ts';

const HOUR = 60 * 60 * 1000;

describe('an hourly allowance', () => {
  it('spends amounts, refuses what does not fit, and frees each amount an hour after it was spent', () => {
    const allowance = new HourlyAllowance({ limit: 100, windowMs: HOUR });
    expect(allowance.check('eddie', 60, 0)).toEqual({ isAllowed: true });
    allowance.spend('eddie', 60, 0);
    allowance.spend('eddie', 30, 10 * 60 * 1000);
    // 90 spent: 10 more fit, 11 do not until the first 60 leave the window.
    expect(allowance.check('eddie', 10, 20 * 60 * 1000)).toEqual({ isAllowed: true });
    expect(allowance.check('eddie', 11, 20 * 60 * 1000)).toEqual({ isAllowed: false, remaining: 10, retryAfterMs: 40 * 60 * 1000 });
    // 80 needs both entries gone.
    expect(allowance.check('eddie', 80, 20 * 60 * 1000)).toEqual({ isAllowed: false, remaining: 10, retryAfterMs: 50 * 60 * 1000 });
    expect(allowance.check('eddie', 11, HOUR + 1)).toEqual({ isAllowed: true });
    // Someone else has their own.
    expect(allowance.check('ada', 100, 0)).toEqual({ isAllowed: true });
  });

  it('never fits more than the limit, and gives back what was refunded', () => {
    const allowance = new HourlyAllowance({ limit: 100, windowMs: HOUR });
    expect(allowance.check('eddie', 101, 0)).toEqual({ isAllowed: false, remaining: 100, retryAfterMs: null });
    allowance.spend('eddie', 100, 5);
    expect(allowance.check('eddie', 1, 6).isAllowed).toBe(false);
    allowance.refund('eddie', 40, 5);
    expect(allowance.check('eddie', 40, 6)).toEqual({ isAllowed: true });
    expect(allowance.check('eddie', 41, 6).isAllowed).toBe(false);
  });
});
