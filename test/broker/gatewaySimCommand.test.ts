import { describe, expect, it } from 'vitest';
import { IbTestClient } from '../support/gatewaySimClient.ts';
import { runPhoenix, startPhoenix } from '../support/phoenixProcess.ts';

describe('phoenix gateway-sim', () => {
  it('runs the simulator from the phoenix CLI: a real client connects, SIGTERM stops it with exit 0', async () => {
    const sim = startPhoenix(['gateway-sim', '--port', '0', '--account', 'DU123456', '--control-port', '0'], {});
    const line = await sim.waitForOutput(/\{"event":"listening".*\}/, 30_000);
    const { port } = JSON.parse(line) as { port: number };
    const client = await IbTestClient.connect({ port, clientId: 9 });
    expect(client.argsOf('managedAccounts')).toEqual([['DU123456']]);
    await client.disconnect();
    sim.child.kill('SIGTERM');
    expect((await sim.done).code).toBe(0);
  });

  it('answers a bad argument with the usage and exit 2', async () => {
    const r = await runPhoenix(['gateway-sim', '--port', 'x', '--account', 'DU1'], {});
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--port must be an integer/);
  });
});
