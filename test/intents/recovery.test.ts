import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import { afterEach, describe, expect, it } from 'vitest';
import { type Bead, type BeadOf, stamp } from '../../beads/index.ts';
import { LogUnavailableError } from '../../store/errors.ts';
import { uuidV7Ids } from '../../store/ids.ts';
import { MemoryEventLog } from '../../store/memory.ts';
import type { ExpectedRevision, LogEntry, ReadStreamOptions } from '../../store/port.ts';
import { intentBeads, intentYaml, listFiles, makeHome, type Seam, startSeam, waitFor, waitForOutcome } from './support.ts';

/** A log that can be taken down, or made to lose the acknowledgement of a write that did happen. */
class FlakyLog extends MemoryEventLog {
  down = false;
  loseAck = false;
  override async append(stream: string, beads: readonly Bead[], expected?: ExpectedRevision) {
    if (this.down) throw new LogUnavailableError('disk unavailable');
    const result = await super.append(stream, beads, expected);
    if (this.loseAck) {
      this.loseAck = false;
      throw new LogUnavailableError('connection dropped before the acknowledgement');
    }
    return result;
  }
  override async readStream(stream: string, options?: ReadStreamOptions): Promise<LogEntry[]> {
    if (this.down) throw new LogUnavailableError('disk unavailable');
    return super.readStream(stream, options);
  }
}

let seam: Seam | undefined;
afterEach(async () => {
  await seam?.stop();
  seam = undefined;
});

async function claimedFiles(s: Seam): Promise<string[]> {
  return (await listFiles(s.incoming)).filter((n) => n.startsWith('.inflight.'));
}

describe('nothing lost, nothing twice', () => {
  it('while the log is unavailable the file stays in incoming/, and is recorded once the log is back', async () => {
    const log = new FlakyLog();
    log.down = true;
    seam = await startSeam({ log });
    await seam.drop('wait.yaml', intentYaml({ intent_id: 'wait-1' }));
    await waitFor(async () => (await claimedFiles(seam!)).length === 1 || undefined, 'the claimed file');
    for (let i = 0; i < 3; i++) await seam.watcher.scanNow();
    expect(await claimedFiles(seam)).toEqual([expect.stringMatching(/^\.inflight\.[0-9a-f-]{36}\.wait\.yaml$/)]);
    expect(await listFiles(seam.processed)).toEqual([]);
    expect(await listFiles(seam.rejected)).toEqual([]);

    log.down = false;
    const outcome = await waitForOutcome(seam, 'wait.yaml');
    expect(outcome.bead.data.outcome).toBe('ACCEPTED');
    expect(await intentBeads(log)).toHaveLength(1);
    expect(await listFiles(seam.incoming)).toEqual([]);
    expect(seam.ready).toHaveLength(1);
  });

  it('a write whose acknowledgement was lost is not recorded twice, nor refused as its own duplicate', async () => {
    const log = new FlakyLog();
    log.loseAck = true;
    seam = await startSeam({ log });
    await seam.drop('ack.yaml', intentYaml({ intent_id: 'ack-1' }));
    const outcome = await waitForOutcome(seam, 'ack.yaml');
    expect(outcome.bead.data.outcome).toBe('ACCEPTED');
    expect(await intentBeads(log)).toHaveLength(1);
    expect(await listFiles(seam.processed)).toEqual(['ack.yaml']);
  });

  it('after a crash between the bead and the move, the restart finishes the file with the recorded bead', async () => {
    const home = await makeHome();
    const log = new MemoryEventLog();
    const text = intentYaml({ intent_id: 'crash-1' });
    const beadId = uuidV7Ids.next();
    const recorded = stamp(
      {
        bead_type: 'INTENT',
        stream: 'intent-crash-1',
        correlation_id: 'crash-1',
        data: { outcome: 'ACCEPTED', intent: parse(text), source_file: 'crash.yaml', content_hash: 'abc' },
      },
      { bead_id: beadId, ts: '2026-11-24T09:00:00.000Z', host_id: 'test-host', mode: 'MOCK' },
    ) as BeadOf<'INTENT'>;
    await log.append('intent-crash-1', [recorded], 'no_stream');
    const incoming = join(home, 'intents', 'incoming');
    await mkdir(incoming, { recursive: true });
    await writeFile(join(incoming, `.inflight.${beadId}.crash.yaml`), text);

    seam = await startSeam({ home, log });
    const outcome = await waitForOutcome(seam, 'crash.yaml');
    expect(outcome.bead.bead_id).toBe(beadId);
    expect(await intentBeads(log)).toHaveLength(1);
    expect(await listFiles(seam.processed)).toEqual(['crash.yaml']);
    // The READY callback may fire again after a crash: the approval flow keys on the intent id.
    expect(seam.ready.map((r) => r.bead.bead_id)).toEqual([beadId]);
  });

  it('a claimed file whose bead never reached the log is judged afresh under its claimed bead id', async () => {
    const home = await makeHome();
    const incoming = join(home, 'intents', 'incoming');
    await mkdir(incoming, { recursive: true });
    const beadId = uuidV7Ids.next();
    await writeFile(join(incoming, `.inflight.${beadId}.fresh.yaml`), intentYaml({ intent_id: 'fresh-1' }));
    seam = await startSeam({ home });
    const outcome = await waitForOutcome(seam, 'fresh.yaml');
    expect(outcome.bead).toMatchObject({ bead_id: beadId, data: { outcome: 'ACCEPTED' } });
  });

  it('a failing READY handler is logged; the file is still processed and the seam keeps going', async () => {
    seam = await startSeam({
      extra: {
        onReadyIntent: () => {
          throw new Error('approval machine not ready');
        },
      },
    });
    await seam.drop('h1.yaml', intentYaml({ intent_id: 'h1' }));
    await waitForOutcome(seam, 'h1.yaml');
    await seam.drop('h2.yaml', intentYaml({ intent_id: 'h2' }));
    await waitForOutcome(seam, 'h2.yaml');
    expect(await listFiles(seam.processed)).toEqual(['h1.yaml', 'h2.yaml']);
  });

  it('re-creates incoming/ if it is removed while running, and a valid intent dropped there is accepted as usual', async () => {
    seam = await startSeam();
    await rm(seam.incoming, { recursive: true });
    await waitFor(async () => (await listFiles(seam!.incoming).catch(() => undefined)) !== undefined || undefined, 'incoming/ again');
    await seam.drop('back.yaml', intentYaml({ intent_id: 'back' }));
    const outcome = await waitForOutcome(seam, 'back.yaml');
    // The seam's promise for a valid READY file (S5.1): recorded ACCEPTED, moved to processed/, handed to approval.
    expect(outcome.movedTo).toBe('intents/processed/back.yaml');
    expect(outcome.bead.data).toMatchObject({ outcome: 'ACCEPTED', source_file: 'back.yaml', intent: { intent_id: 'back' } });
    expect((await intentBeads(seam.log)).map((b) => [b.stream, b.data.outcome])).toEqual([['intent-back', 'ACCEPTED']]);
    expect(await listFiles(seam.processed)).toEqual(['back.yaml']);
    expect(await listFiles(seam.rejected)).toEqual([]);
    expect(await listFiles(seam.incoming)).toEqual([]);
    expect(seam.ready.map((r) => r.intent.intent_id)).toEqual(['back']);
  });
});
