import { describe, expect, it } from 'vitest';
import { ApprovalButtonKeys, fitMessage } from '../../actors/telegram/approvalButtons.ts';

describe('approval buttons', () => {
  it('name a short intent id as it is, and a long one by a digest this process resolves, always within 64 bytes', () => {
    const keys = new ApprovalButtonKeys();
    expect(keys.buttons('cse-1').flat().map((b) => b.data)).toEqual(['APPROVE:cse-1', 'REJECT:cse-1']);
    const long = `cse-${'x'.repeat(124)}`;
    const data = keys.buttons(long).flat().map((b) => b.data);
    for (const d of data) expect(Buffer.byteLength(d)).toBeLessThanOrEqual(64);
    const key = data[0]!.slice('APPROVE:'.length);
    expect(keys.intentOf(key)).toBe(long);
    // Another process (a restart) never handed that digest out: the press is stale.
    expect(new ApprovalButtonKeys().intentOf(key)).toBeUndefined();
    expect(keys.intentOf('')).toBeUndefined();
  });

  it('cut a bundle that would not fit a Telegram message, saying where the rest is', () => {
    const cut = fitMessage('a'.repeat(5000));
    expect(cut.length).toBe(4096);
    expect(cut).toMatch(/response\.md/);
    expect(fitMessage('short')).toBe('short');
  });
});
