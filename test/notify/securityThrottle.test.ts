import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../runtime/clock.ts';
import { SECURITY_BEADS_PER_MINUTE } from '../../actors/telegram/securityThrottle.ts';
import { securityRecorder } from '../../actors/telegram/telegramBot.ts';
import { MemoryEventLog } from '../../store/memory.ts';

/**
 * A stranger hammering the bot: the log records the first refusals of each
 * minute one by one and the count of the rest, so the log cannot be flooded
 * and how many there were is still on the record.
 */
describe('SECURITY beads from a flood of refused updates', () => {
  async function securityBeads(log: MemoryEventLog) {
    const out: { who: string; detail?: string }[] = [];
    for await (const e of log.readAll()) if (e.kind === 'bead' && e.bead.bead_type === 'SECURITY') out.push({ who: e.bead.data.who, ...(e.bead.data.detail ? { detail: e.bead.data.detail } : {}) });
    return out;
  }

  it(`records ${SECURITY_BEADS_PER_MINUTE} a minute, then counts, and writes the count with the next one recorded`, async () => {
    const clock = new ManualClock(Date.parse('2026-11-24T08:00:00Z'));
    const log = new MemoryEventLog();
    const record = securityRecorder(log, { hostId: 'h', mode: 'PAPER', clock });
    for (let i = 0; i < 500; i += 1) await record({ who: 'telegram:666', why: 'user not in TELEGRAM_ALLOWED_USER_IDS', updateId: i });
    expect(await securityBeads(log)).toHaveLength(SECURITY_BEADS_PER_MINUTE);

    clock.advance(60_000);
    await record({ who: 'telegram:666', why: 'user not in TELEGRAM_ALLOWED_USER_IDS', detail: 'text: /halt', updateId: 500 });
    const beads = await securityBeads(log);
    expect(beads).toHaveLength(SECURITY_BEADS_PER_MINUTE + 1);
    expect(beads.at(-1)?.detail).toBe(`text: /halt; ${500 - SECURITY_BEADS_PER_MINUTE} earlier refusals were counted, not recorded one by one (more than ${SECURITY_BEADS_PER_MINUTE} a minute)`);
    expect(beads.at(-2)?.detail).toBeUndefined();
  });
});
