import { readdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { intentBeads, intentYaml, listFiles, type Seam, startSeam, waitForOutcome } from './support.ts';

let seam: Seam | undefined;
afterEach(async () => {
  await seam?.stop();
  seam = undefined;
});

describe('writes in progress are never read', () => {
  it('ignores temp names (dotfiles, .tmp, .part, ~) across many passes, then reads the file once renamed', async () => {
    seam = await startSeam();
    const full = intentYaml({ intent_id: 'half-1' });
    const half = full.slice(0, Math.floor(full.length / 2));
    const temps = ['.half.yaml.tmp', 'half.yaml.part', 'half.yaml~', '.hidden.yaml', 'other.TMP', 'x.yaml.tmp'];
    for (const name of temps) await writeFile(join(seam.incoming, name), half);
    for (let i = 0; i < 3; i++) await seam.watcher.scanNow();
    expect(await listFiles(seam.incoming)).toEqual([...temps].sort());
    expect(await intentBeads(seam.log)).toEqual([]);
    expect(await readdir(seam.rejected)).toEqual([]);

    // The writer finishes, then renames: only now is the file read, and it is whole.
    await writeFile(join(seam.incoming, '.half.yaml.tmp'), full);
    await rename(join(seam.incoming, '.half.yaml.tmp'), join(seam.incoming, 'half.yaml'));
    const outcome = await waitForOutcome(seam, 'half.yaml');
    expect(outcome.bead.data.outcome).toBe('ACCEPTED');
    expect(await intentBeads(seam.log)).toHaveLength(1);
    expect(await listFiles(seam.incoming)).toEqual(temps.filter((t) => t !== '.half.yaml.tmp').sort());
  });

  it('finds a file through the periodic rescan alone when fs.watch is off, and accepts it', async () => {
    seam = await startSeam({ extra: { rescanMs: 30, useFsWatch: false } });
    await writeFile(join(seam.incoming, 'direct.yaml'), intentYaml({ intent_id: 'direct' }));
    const outcome = await waitForOutcome(seam, 'direct.yaml');
    // Found by the rescan, it gets the same outcome as any valid file: ACCEPTED, in processed/, once.
    expect(outcome.movedTo).toBe('intents/processed/direct.yaml');
    expect(outcome.bead.data).toMatchObject({ outcome: 'ACCEPTED', source_file: 'direct.yaml', intent: { intent_id: 'direct' } });
    expect((await intentBeads(seam.log)).map((b) => b.data.outcome)).toEqual(['ACCEPTED']);
    expect(await listFiles(seam.processed)).toEqual(['direct.yaml']);
    expect(await listFiles(seam.rejected)).toEqual([]);
    expect(await listFiles(seam.incoming)).toEqual([]);
  });

  it('finds a file through fs.watch alone when the rescan is far away', async () => {
    seam = await startSeam({ extra: { rescanMs: 3_600_000 } });
    await seam.watcher.scanNow();
    await seam.drop('watched.yaml', intentYaml({ intent_id: 'watched' }));
    await waitForOutcome(seam, 'watched.yaml');
    for (let i = 0; i < 3; i++) await seam.watcher.scanNow();
    expect(await intentBeads(seam.log)).toHaveLength(1);
  });
});
