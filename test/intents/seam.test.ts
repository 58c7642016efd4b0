import { existsSync, watch } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { responsePath } from '../../actors/intents/index.ts';
import { intentBeads, intentYaml, listFiles, makeHome, readText, type Seam, startSeam, waitFor, waitForOutcome, waitForOutcomes } from './support.ts';

let seam: Seam | undefined;
afterEach(async () => {
  await seam?.stop();
  seam = undefined;
});

describe('intent file seam', () => {
  it('creates its folders and accepts a READY intent: processed/, an ACCEPTED bead, response.md, the READY callback', async () => {
    seam = await startSeam();
    for (const dir of ['intents/incoming', 'intents/processed', 'intents/rejected', 'responses']) {
      expect(existsSync(join(seam.home, dir))).toBe(true);
    }
    await seam.drop('eurusd-1.yaml', intentYaml({ intent_id: 'eurusd-1' }));
    const outcome = await waitForOutcome(seam, 'eurusd-1.yaml');

    expect(outcome.movedTo).toBe('intents/processed/eurusd-1.yaml');
    expect(await listFiles(seam.processed)).toEqual(['eurusd-1.yaml']);
    expect(await listFiles(seam.incoming)).toEqual([]);
    const [bead] = await intentBeads(seam.log);
    expect(bead).toMatchObject({
      bead_type: 'INTENT',
      stream: 'intent-eurusd-1',
      correlation_id: 'eurusd-1',
      data: { outcome: 'ACCEPTED', source_file: 'eurusd-1.yaml', intent: { intent_id: 'eurusd-1', pair: 'EURUSD' } },
    });
    expect(bead!.data.content_hash).toMatch(/^[0-9a-f]{64}$/);
    const response = await readText(responsePath(seam.home));
    expect(response).toContain('accepted, waiting for approval');
    expect(response).toContain('| side | LONG |');
    expect(response).toContain('phoenix approve eurusd-1');
    expect(seam.ready.map((r) => r.intent.intent_id)).toEqual(['eurusd-1']);
    expect(seam.ready[0]!.bead.bead_id).toBe(bead!.bead_id);
  });

  it('records FORMING and NONE as information: processed, but not sent to approval', async () => {
    seam = await startSeam();
    await seam.drop('forming.yaml', intentYaml({ intent_id: 'forming-1', signal: 'FORMING' }));
    await waitForOutcome(seam, 'forming.yaml');
    expect(await readText(responsePath(seam.home))).toContain('recorded as information, not for approval');
    await seam.drop('none.yml', intentYaml({ intent_id: 'none-1', signal: 'NONE' }));
    await waitForOutcome(seam, 'none.yml');
    expect(await listFiles(seam.processed)).toEqual(['forming.yaml', 'none.yml']);
    expect(seam.ready).toEqual([]);
    expect((await intentBeads(seam.log)).map((b) => b.data.outcome)).toEqual(['ACCEPTED', 'ACCEPTED']);
  });

  it('processes files that arrived while the host was down', async () => {
    const home = await makeHome();
    const incoming = join(home, 'intents', 'incoming');
    await mkdir(incoming, { recursive: true });
    await writeFile(join(incoming, 'early.yaml'), intentYaml({ intent_id: 'early' }));
    seam = await startSeam({ home });
    await waitForOutcome(seam, 'early.yaml');
    expect(await listFiles(seam.processed)).toEqual(['early.yaml']);
  });

  it('accepts a short intent (stop above entry) and writes its side', async () => {
    seam = await startSeam({ activePairs: ['USDJPY'] });
    await seam.drop('jpy.yaml', intentYaml({ intent_id: 'jpy-1', pair: 'USDJPY', entry: 150.2, stop: 150.6, target: 149.4 }));
    const outcome = await waitForOutcome(seam, 'jpy.yaml');
    expect(outcome.bead.data.outcome).toBe('ACCEPTED');
    const response = await readText(responsePath(seam.home));
    expect(response).toContain('| side | SHORT |');
    expect(response).toContain('| stop | 150.6 (40.0 pips) |');
  });

  it('never overwrites an earlier file in processed/: a name collision gets a suffix', async () => {
    seam = await startSeam();
    await seam.drop('same.yaml', intentYaml({ intent_id: 'first' }));
    await waitForOutcome(seam, 'same.yaml');
    await seam.drop('same.yaml', intentYaml({ intent_id: 'second' }));
    await waitForOutcomes(seam, 2);
    expect(await listFiles(seam.processed)).toEqual(['same-2.yaml', 'same.yaml']);
    expect(await readText(join(seam.processed, 'same.yaml'))).toContain('first');
    expect(await readText(join(seam.processed, 'same-2.yaml'))).toContain('second');
  });

  it('stops cleanly and processes nothing after stop', async () => {
    // The rescan timer runs on virtual time: "long after the stop" is a hundred rescans, not a sleep.
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    try {
      seam = await startSeam();
      await seam.watcher.stop();
      // Our own watch on incoming/: once it has seen the file land, a watcher the seam left open would have too.
      const landed: string[] = [];
      const eye = watch(seam.incoming, (_event, name) => void (name && landed.push(name)));
      try {
        await seam.drop('late.yaml', intentYaml({ intent_id: 'late' }));
        await waitFor(() => landed.includes('late.yaml') || undefined, 'the file to land in incoming/');
      } finally {
        eye.close();
      }
      await vi.advanceTimersByTimeAsync(100 * 40);
      await seam.watcher.scanNow();
    } finally {
      vi.useRealTimers();
    }
    expect(await listFiles(seam.incoming)).toEqual(['late.yaml']);
    expect(await intentBeads(seam.log)).toEqual([]);
    expect(seam.outcomes).toEqual([]);
  });
});
