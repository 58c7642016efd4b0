/**
 * A halt a person asked for must survive a restart. The request below is on
 * the log while no host runs (a hung host was killed after `phoenix halt`
 * wrote it); the next host executes it before anything else, unless it was
 * finished already or a person resumed since.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../runtime/clock.ts';
import { loadConfig } from '../../runtime/config/load.ts';
import { BeadWriter } from '../../runtime/beadWriter.ts';
import { type RunningHost, startHost } from '../../actors/host/host.ts';
import { followHalt, haltRequestDraft } from '../../actors/killswitch/haltRequest.ts';
import { silentLogger } from '../../runtime/logger.ts';
import { type Bead, streams } from '../../beads/index.ts';
import { uuidV7Ids } from '../../store/ids.ts';
import { MemoryEventLog } from '../../store/memory.ts';
import { makeTempDir } from '../support/tempDir.ts';

let home: ReturnType<typeof makeTempDir>;
let log: MemoryEventLog;
let host: RunningHost | undefined;

beforeEach(() => {
  home = makeTempDir('phoenix-halt-restart');
  log = new MemoryEventLog();
});
afterEach(async () => {
  await host?.stop('test over');
  host = undefined;
  home.remove();
});

const config = () => loadConfig({ PHOENIX_HOME: home.dir, DASHBOARD_PORT: '0', TIME_SCALE: '0.01', LOG_LEVEL: 'silent' });
const cli = () => new BeadWriter({ log, clock: systemClock, ids: uuidV7Ids, hostId: 'phoenix-1-cli', mode: 'MOCK' });

async function runHostOnce(): Promise<void> {
  const h = await startHost({ config: config(), log, clock: systemClock, logger: silentLogger });
  await h.stop('first run over');
}

async function beads(): Promise<Bead[]> {
  const out: Bead[] = [];
  for await (const e of log.readAll()) if (e.kind === 'bead') out.push(e.bead);
  return out;
}
const stepsOf = async (haltId: string) => (await beads()).flatMap((b) => (b.bead_type === 'HALT' && b.correlation_id === haltId ? [b.data.step] : []));

describe('a halt asked for while no host ran it', () => {
  it('is executed by the next host before anything else: kill flag SET, COMPLETED on the record', async () => {
    await runHostOnce();
    const request = haltRequestDraft({ who: 'cli:alice', reason: 'the host hung; halting', flatten: false });
    await cli().write(request);

    host = await startHost({ config: config(), log, clock: systemClock, logger: silentLogger });
    await expect.poll(() => stepsOf(request.correlation_id), { timeout: 10_000 }).toContain('COMPLETED');
    expect(await stepsOf(request.correlation_id)).toEqual(['STARTED', 'ORDERS_CANCELLED', 'COMPLETED']);
    expect(host.killSwitch.killFlag()).toBe('SET');
  });

  it('is left alone when it was finished, or when a person resumed after it', async () => {
    await runHostOnce();
    const finished = haltRequestDraft({ who: 'cli:alice', reason: 'done before', flatten: false });
    await cli().write(finished);
    await cli().write({ bead_type: 'HALT', stream: streams.halt, correlation_id: finished.correlation_id, data: { step: 'COMPLETED', flatten: false } });
    const resumed = haltRequestDraft({ who: 'cli:bob', reason: 'dealt with by hand', flatten: false });
    await cli().write(resumed);
    await cli().write({ bead_type: 'KILL_FLAG', stream: streams.killswitch, correlation_id: 'resume-1', data: { state: 'CLEARED', reason: 'halted in TWS by hand', who: 'cli:bob' } });

    host = await startHost({ config: config(), log, clock: systemClock, logger: silentLogger });
    await host.flow.settled();
    expect(host.killSwitch.killFlag()).toBe('ARMED');

    // The host runs halts one at a time, those left from before its start first. So once a halt asked for now has
    // COMPLETED, any of the earlier two it had taken up would be on the record already: no sleep needed.
    const marker = haltRequestDraft({ who: 'cli:carol', reason: 'a fresh halt, after the restart', flatten: false });
    const { beads: markerBeads, result } = await cli().write(marker);
    const outcome = await followHalt(log, marker.correlation_id, { after: result.position, timeoutMs: 10_000 });
    expect('final' in outcome && outcome.final.data.step).toBe('COMPLETED');

    expect(await stepsOf(finished.correlation_id)).toEqual(['STARTED', 'COMPLETED']);
    expect(await stepsOf(resumed.correlation_id)).toEqual(['STARTED']);
    // The only SET on the record is the fresh halt's: neither earlier request set the kill flag again.
    const sets = (await beads()).flatMap((b) => (b.bead_type === 'KILL_FLAG' && b.data.state === 'SET' ? [b.causation_id] : []));
    expect(sets).toEqual([markerBeads[0]!.bead_id]);
  });
});
