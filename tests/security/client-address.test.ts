import { describe, expect, it } from 'vitest';
import { resolveClientAddress } from '../../src/server/security/client-address.ts';

describe('the client address behind our proxies', () => {
  it('ignores X-Forwarded-For unless TRUST_PROXY says proxies of ours are in front (anyone can send it)', () => {
    expect(resolveClientAddress('203.0.113.9', '198.51.100.1', 0)).toBe('203.0.113.9');
  });

  it('takes the address our proxy saw, never what the client wrote to the left of it', () => {
    expect(resolveClientAddress('10.0.0.2', '198.51.100.1', 1)).toBe('198.51.100.1');
    expect(resolveClientAddress('10.0.0.2', '1.2.3.4, 198.51.100.1', 1)).toBe('198.51.100.1');
    expect(resolveClientAddress('10.0.0.3', '1.2.3.4, 198.51.100.1, 10.0.0.2', 2)).toBe('198.51.100.1');
  });

  it('falls back to what it has when the header is missing, empty or shorter than the chain', () => {
    expect(resolveClientAddress('10.0.0.2', null, 1)).toBe('10.0.0.2');
    expect(resolveClientAddress('10.0.0.2', ' , ', 1)).toBe('10.0.0.2');
    expect(resolveClientAddress('10.0.0.3', '198.51.100.1', 2)).toBe('198.51.100.1');
  });
});
