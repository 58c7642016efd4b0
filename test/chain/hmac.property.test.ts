import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hmacSha256 } from '../../runtime/chain/hmac.ts';

/**
 * Issue 17: every seal and tag is MACed by runtime/chain/hmac.ts, which
 * builds HMAC-SHA256 from copied hash states instead of `createHmac`. A seal
 * or tag it made must be one any HMAC-SHA256 checks, and the other way
 * round: the same MAC for any key (shorter than a block, a block, longer)
 * and any text, with the key reused across texts as the host reuses it.
 * fast-check prints the seed and the shrunk case on failure.
 */
describe('the chain’s HMAC-SHA256', () => {
  it('is node’s createHmac for any key and text', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 130 }), fc.array(fc.string({ unit: 'binary', maxLength: 300 }), { minLength: 1, maxLength: 4 }), (bytes, texts) => {
        const key = Buffer.from(bytes);
        for (const text of texts) expect(hmacSha256(key, text)).toBe(createHmac('sha256', key).update(text).digest('base64url'));
      }),
      { numRuns: 300 },
    );
  });
});
