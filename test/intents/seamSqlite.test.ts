import { rm } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { defaultLogPath, SqliteEventLog } from '../../store/sqlite.ts';
import { intentBeads, intentYaml, listFiles, makeHome, startSeam, waitForOutcome } from './support.ts';

describe('intent seam on the SQLite log', () => {
  it('records outcomes durably, and refuses a duplicate id accepted before a restart', async () => {
    const home = await makeHome();
    try {
      const first = new SqliteEventLog(defaultLogPath(home));
      const before = await startSeam({ home, log: first });
      await before.drop('a.yaml', intentYaml({ intent_id: 'sq-1' }));
      expect((await waitForOutcome(before, 'a.yaml')).bead.data.outcome).toBe('ACCEPTED');
      await before.stop();
      await first.close();

      const second = new SqliteEventLog(defaultLogPath(home));
      const after = await startSeam({ home, log: second });
      await after.drop('b.yaml', intentYaml({ intent_id: 'sq-1' }));
      const { bead } = await waitForOutcome(after, 'b.yaml');
      expect(bead.data).toMatchObject({ outcome: 'REJECTED', reasons: [expect.stringMatching(/duplicate intent_id sq-1: already accepted from a.yaml/)] });
      expect((await intentBeads(second)).map((b) => b.data.outcome)).toEqual(['ACCEPTED', 'REJECTED']);
      expect(await listFiles(after.rejected)).toEqual(['b.yaml', 'b.yaml.reason.txt']);
      await after.stop();
      await second.close();
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  });
});
