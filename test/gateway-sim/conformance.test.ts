import { EventName } from '@stoqey/ib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IbTestClient } from '../support/gatewaySimClient.ts';
import { type GatewaySimHandle, startGatewaySim } from '../support/gatewaySimProcess.ts';
import { EXPECTED_EVENTS, exerciseEveryMessage } from '../support/gatewaySimScript.ts';

// S4.3 conformance: the real @stoqey/ib client, against the simulator running
// as its own process, at each server version Phoenix is tested at. Every
// message type the simulator sends must decode without an underrun, leftover
// fields (error 505) or any other decoder complaint.
const VERSIONS = [176, 187, 193] as const;
const sims = new Map<number, GatewaySimHandle>();

beforeAll(async () => {
  const started = await Promise.all(VERSIONS.map((serverVersion) => startGatewaySim({ serverVersion, seed: 11 })));
  for (const [i, version] of VERSIONS.entries()) sims.set(version, started[i]!);
}, 90_000);

afterAll(async () => {
  const states = await Promise.all([...sims.values()].map((sim) => sim.state()));
  await Promise.all([...sims.values()].map((sim) => sim.stop()));
  expect(states.map((s) => s.counts.internalErrors)).toEqual(VERSIONS.map(() => 0));
});

describe.each(VERSIONS)('gateway simulator process at server version %i', (serverVersion) => {
  const sim = () => sims.get(serverVersion)!;

  it('handshakes, then sends managed accounts, nextValidId and the farm-status infos', async () => {
    const client = await IbTestClient.connect({ port: sim().port, clientId: 1 });
    try {
      expect(client.ib.serverVersion).toBe(serverVersion);
      expect(client.argsOf(EventName.managedAccounts)).toEqual([['DU123456']]);
      expect(client.argsOf(EventName.nextValidId)).toEqual([[1]]);
      await client.waitFor(EventName.info, ([, code]) => code === 2158);
      expect(client.infos().map((i) => i.code)).toEqual([2104, 2104, 2106, 2158]);
      expect(client.protocolErrors()).toEqual([]);
    } finally {
      await client.disconnect();
    }
  });

  it('every message type decodes cleanly in @stoqey/ib', async () => {
    const client = await IbTestClient.connect({ port: sim().port, clientId: 2, maxReqPerSec: 200 });
    try {
      await exerciseEveryMessage(
        client,
        {
          rejectNextOrder: async () => void (await sim().control('reject-next-order', { reason: 'conformance' })),
          setPrice: async (pair, price) => void (await sim().control('set-price', { pair, price })),
        },
        100,
      );
      const seen = new Set(client.events.map((e) => e.name));
      expect(EXPECTED_EVENTS.filter((name) => !seen.has(name))).toEqual([]);
      const codes = new Set(client.errors().map((e) => e.code));
      expect([...codes].sort()).toEqual([200, 201, 202]);
      expect(client.protocolErrors()).toEqual([]);
    } finally {
      await client.disconnect();
    }
  });

  it('refuses a held client id with 326 and closes the socket; the message decodes as info', async () => {
    await sim().control('hold-client-id', { clientId: 9 });
    const client = IbTestClient.open({ port: sim().port, clientId: 9 });
    try {
      const [message] = await client.waitFor(EventName.info, ([, code]) => code === 326);
      expect(String(message)).toMatch(/client id is already in use/);
      await client.waitFor(EventName.disconnected);
      expect(client.argsOf(EventName.nextValidId)).toEqual([]);
      expect(client.protocolErrors()).toEqual([]);
    } finally {
      await client.disconnect();
      await sim().control('hold-client-id', { clientId: 9, held: false });
    }
  });

  it('answers 60 messages in a second with error 100 and keeps the connection', async () => {
    const client = await IbTestClient.connect({ port: sim().port, clientId: 4, maxReqPerSec: 1000 });
    try {
      for (let i = 0; i < 60; i += 1) client.ib.reqCurrentTime();
      const [text] = await client.waitFor(EventName.info, ([, code]) => code === 100);
      expect(String(text)).toMatch(/Max rate of messages per second has been exceeded/);
      expect(client.connected).toBe(true);
      expect(client.protocolErrors()).toEqual([]);
    } finally {
      await client.disconnect();
    }
  });
});
