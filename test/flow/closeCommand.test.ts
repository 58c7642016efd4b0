import { afterEach, describe, expect, it } from 'vitest';
import { closeRequestOf } from '../../beads/closeRequest.ts';
import { type Bead, type BeadDraft, streams } from '../../beads/index.ts';
import { defaultLogPath, SqliteEventLog } from '../../store/sqlite.ts';
import { stampAt } from '../machines/support.ts';
import { makeTempDir } from '../support/tempDir.ts';
import { runCli } from '../tools/commandIo.ts';

/** `phoenix close` writes a close request to the log for an open position, and refuses anything else clearly. */

let temp: ReturnType<typeof makeTempDir> | undefined;
afterEach(() => temp?.remove());

function positionBead(id: string, state: 'SUBMITTED' | 'MANAGED' | 'CLOSED', avg?: number): Bead {
  const draft: BeadDraft = {
    bead_type: 'POSITION',
    stream: streams.position(id),
    correlation_id: id,
    data: { position_id: id, state, pair: 'EURUSD', side: 'LONG', quantity: 20_000, stop: 1.082, target: 1.091, ...(avg ? { avg_price: avg } : {}) },
  };
  return stampAt(draft, Date.now());
}

async function seeded(beads: Bead[]): Promise<Record<string, string>> {
  temp = makeTempDir('phoenix-close');
  const env = { PHOENIX_HOME: temp.dir, PHOENIX_ENV_FILE: '/nonexistent/.env', USER: 'alice' };
  const log = new SqliteEventLog(defaultLogPath(temp.dir));
  for (const b of beads) await log.append(b.stream, [b]);
  await log.close();
  return env;
}

async function logBeads(dir: string): Promise<Bead[]> {
  const log = new SqliteEventLog(defaultLogPath(dir));
  const out: Bead[] = [];
  for await (const e of log.readAll()) if (e.kind === 'bead') out.push(e.bead);
  await log.close();
  return out;
}

describe('phoenix close', () => {
  it('records a close request for an open position, naming who and why', async () => {
    const env = await seeded([positionBead('p-1', 'SUBMITTED'), positionBead('p-1', 'MANAGED', 1.0851)]);
    const run = await runCli(['close', 'p-1', '--reason', 'news at 10'], env);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const requests = (await logBeads(temp!.dir)).flatMap((b) => closeRequestOf(b) ?? []);
    expect(requests).toEqual([{ positionId: 'p-1', who: 'cli:alice', reason: 'news at 10' }]);
  });

  it('refuses an unknown position (2), and one that is closed or holds nothing yet (1)', async () => {
    const env = await seeded([positionBead('p-2', 'SUBMITTED'), positionBead('p-3', 'MANAGED', 1.0851), positionBead('p-3', 'CLOSED', 1.0851)]);
    expect((await runCli(['close', 'nope'], env)).code).toBe(2);
    expect((await runCli(['close', 'p-2'], env)).code).toBe(1);
    const closed = await runCli(['close', 'p-3'], env);
    expect(closed.code).toBe(1);
    expect(closed.stderr).toContain('CLOSED');
    expect((await logBeads(temp!.dir)).flatMap((b) => closeRequestOf(b) ?? [])).toEqual([]);
  });
});
