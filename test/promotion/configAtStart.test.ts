import { describe, expect, it } from 'vitest';
import { changeDraft, configBeadData, recordConfigAtStart } from '../../actors/promotion/configChanges.ts';
import { type BeadOf, streams } from '../../beads/index.ts';
import { BeadWriter } from '../../runtime/beadWriter.ts';
import { ManualClock } from '../../runtime/clock.ts';
import { loadConfig } from '../../runtime/config/load.ts';
import { MemoryEventLog } from '../../store/memory.ts';
import { T0 } from '../machines/support.ts';

/**
 * At start the host compares its effective configuration with the last
 * CONFIG bead (issue 14): every parameter that differs and that no
 * CONFIG_CHANGE recorded yet becomes one, so a hand edit of .env is caught.
 */

const KEY = Buffer.alloc(32, 7);

async function start(log: MemoryEventLog, env: Record<string, string>) {
  const config = loadConfig({ PHOENIX_HOME: '/tmp/desk', ...env });
  const writer = new BeadWriter({ log, clock: new ManualClock(T0), hostId: 'phoenix-1', mode: config.mode });
  return recordConfigAtStart({ log, writer, config, chainKey: KEY, correlation: 'host-start' });
}

async function ofType<T extends 'CONFIG' | 'CONFIG_CHANGE'>(log: MemoryEventLog, type: T): Promise<BeadOf<T>[]> {
  const out: BeadOf<T>[] = [];
  for await (const e of log.readAll()) if (e.kind === 'bead' && e.bead.bead_type === type) out.push(e.bead as BeadOf<T>);
  return out;
}

describe('CONFIG_CHANGE at start', () => {
  it('the first start compares with nothing; a later one records each hand-edited parameter, old and new, once', async () => {
    const log = new MemoryEventLog();
    expect(await start(log, { ORDER_UNITS: '20000' })).toEqual([]);
    const found = await start(log, { ORDER_UNITS: '30000', HEARTBEAT_INTERVAL_S: '20' });
    expect(found.map((b) => b.data)).toEqual([
      expect.objectContaining({ key: 'HEARTBEAT_INTERVAL_S', old_value: 30, new_value: 20, source: 'HOST_START', who: 'host:phoenix-1', components: ['monitor'] }),
      expect.objectContaining({ key: 'ORDER_UNITS', old_value: 20000, new_value: 30000, source: 'HOST_START', components: ['flow'] }),
    ]);
    // The next start with the same settings finds nothing new.
    expect(await start(log, { ORDER_UNITS: '30000', HEARTBEAT_INTERVAL_S: '20' })).toEqual([]);
    expect(await ofType(log, 'CONFIG')).toHaveLength(3);
  });

  it('a change phoenix config set already recorded is not recorded twice; one edited again after it is', async () => {
    const log = new MemoryEventLog();
    await start(log, { ORDER_UNITS: '20000' });
    const writer = new BeadWriter({ log, clock: new ManualClock(T0 + 1), hostId: 'phoenix-1-cli', mode: 'MOCK' });
    await writer.append(changeDraft({ key: 'ORDER_UNITS', old_value: 20000, new_value: 30000, who: 'cli:alice', reason: 'clips', source: 'CONFIG_SET' }));
    expect(await start(log, { ORDER_UNITS: '30000' })).toEqual([]);
    await writer.append(changeDraft({ key: 'ORDER_UNITS', old_value: 30000, new_value: 40000, who: 'cli:alice', reason: 'more', source: 'CONFIG_SET' }));
    const again = await start(log, { ORDER_UNITS: '35000' });
    expect(again.map((b) => [b.data.old_value, b.data.new_value])).toEqual([[40000, 35000]]);
  });

  it('a changed secret is caught by its fingerprint and recorded without a value; the CONFIG bead holds no secret', async () => {
    const log = new MemoryEventLog();
    const secret1 = 'a'.repeat(40);
    const secret2 = 'b'.repeat(40);
    await start(log, { APPROVAL_TOKEN_SECRET: secret1 });
    const found = await start(log, { APPROVAL_TOKEN_SECRET: secret2 });
    expect(found.map((b) => b.data)).toEqual([expect.objectContaining({ key: 'APPROVAL_TOKEN_SECRET', secret: true, components: ['approval'] })]);
    const text = JSON.stringify(await log.readStream(streams.config));
    expect(text).not.toContain(secret1);
    expect(text).not.toContain(secret2);
    expect(Object.keys((await ofType(log, 'CONFIG'))[1]!.data.secrets ?? {})).toEqual(['APPROVAL_TOKEN_SECRET']);
  });

  it('the wiring (mode, account, ports, operator) and a setting the last start did not know, at its default, change nothing', async () => {
    const log = new MemoryEventLog();
    const config = loadConfig({ PHOENIX_HOME: '/tmp/desk' });
    const old = configBeadData(config, KEY);
    // A CONFIG bead from a Phoenix without PROMOTION_WINDOW_DAYS.
    const { PROMOTION_WINDOW_DAYS: _, ...params } = old.params;
    const writer = new BeadWriter({ log, clock: new ManualClock(T0), hostId: 'phoenix-1', mode: 'MOCK' });
    await writer.append({ bead_type: 'CONFIG', stream: streams.config, correlation_id: 'old', data: { ...old, params } });
    expect(await start(log, { IBKR_MODE: 'paper', IBKR_ACCOUNT: 'DU1', DASHBOARD_PORT: '0', PHOENIX_OPERATOR: 'bob' })).toEqual([]);
    expect((await start(log, { PROMOTION_WINDOW_DAYS: '3' })).map((b) => b.data.key)).toEqual(['PROMOTION_WINDOW_DAYS']);
  });
});
