import { describe, expect, it } from 'vitest';
import { LogUnavailableError } from '../../store/errors.ts';
import { MemoryEventLog } from '../../store/memory.ts';
import { type WritabilityChange, watchWritability } from '../../store/writability.ts';
import { testBead } from '../support/beads.ts';

describe('watching whether the log takes writes (S2 fail closed)', () => {
  it('says so on the first refused append and again on the first that succeeds, once each; other failures are not an outage', async () => {
    const inner = new MemoryEventLog();
    let refuse: Error | undefined;
    const flaky = Object.create(inner) as MemoryEventLog;
    flaky.appendMany = async (appends) => {
      if (refuse) throw refuse;
      return inner.appendMany(appends);
    };
    flaky.append = async (stream, beads, expected) => (await flaky.appendMany([{ stream, beads, ...(expected === undefined ? {} : { expected }) }]))[0]!;
    let now = 1_000;
    const log = watchWritability(flaky, () => now);
    const changes: WritabilityChange[] = [];
    log.onWritability((c) => changes.push(c));
    log.onWritability(() => {
      throw new Error('a listener with a bug');
    });

    await log.append('s', [testBead('s')]);
    expect(log.writable).toBe(true);
    refuse = new LogUnavailableError('SQLITE_FULL database or disk is full');
    await expect(log.append('s', [testBead('s')])).rejects.toThrow(/SQLITE_FULL/);
    now = 2_000;
    await expect(log.appendMany([{ stream: 's', beads: [testBead('s')] }])).rejects.toThrow(LogUnavailableError);
    expect(log.writable).toBe(false);
    refuse = undefined;
    await log.append('s', [testBead('s')]);
    refuse = new Error('a conflict, not an outage');
    await expect(log.append('s', [testBead('s')])).rejects.toThrow(/conflict/);
    expect(changes).toEqual([
      { writable: false, reason: 'SQLITE_FULL database or disk is full', at: 1_000 },
      { writable: true, at: 2_000 },
    ]);
    expect(log.writable).toBe(true);
    // Reads pass straight through, and the adapter's own fields show.
    expect(log.name).toBe('memory');
    expect(await log.readStream('s')).toHaveLength(2);
  });
});
