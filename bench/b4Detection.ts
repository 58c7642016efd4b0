import { EventName, IBApi } from '@stoqey/ib';
import { type RunningBroker, startBroker } from '../actors/broker/brokerActor.ts';
import { systemClock } from '../runtime/clock.ts';
import { loadConfig } from '../runtime/config/load.ts';
import { BeadWriter } from '../runtime/beadWriter.ts';
import { silentLogger } from '../runtime/logger.ts';
import type { Bead } from '../beads/index.ts';
import { uuidV7Ids } from '../store/ids.ts';
import { MemoryEventLog } from '../store/memory.ts';
import type { AppendResult, ExpectedRevision } from '../store/port.ts';
import { type GatewaySimHandle, startGatewaySim } from '../test/support/gatewaySimProcess.ts';
import { percentile } from './stats.ts';
import type { Measure } from './table.ts';

/**
 * B4 (S13), the broker's half: how fast a dead gateway becomes an
 * IBKR_SESSION DISCONNECT bead. Killed (SIGKILL, the socket dies with the
 * process): against a bare IBApi's own `disconnected` event on the same kill,
 * in the same run. Silent (half-open, socket up, nothing said): with the
 * production probe timings; the library alone never notices, which is the
 * reason the probe exists.
 */

const KILLS = 5;
const SILENCES = 2;

/** A memory log that notes when each DISCONNECT bead is appended, on this process's clock. */
class TimedLog extends MemoryEventLog {
  readonly disconnects: number[] = [];
  override async append(stream: string, beads: readonly Bead[], expected?: ExpectedRevision): Promise<AppendResult> {
    const result = await super.append(stream, beads, expected);
    for (const b of beads) if (b.bead_type === 'IBKR_SESSION' && b.data.event === 'DISCONNECT') this.disconnects.push(performance.now());
    return result;
  }
}

async function until<T>(check: () => T | undefined | false, what: string, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`B4: timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

async function phoenix(sim: GatewaySimHandle, clientId: number, timeScale: number): Promise<{ broker: RunningBroker; log: TimedLog }> {
  const port = String(sim.port);
  const config = loadConfig({
    IBKR_MODE: 'paper',
    IBKR_ACCOUNT: 'DU123456',
    IBKR_PORT: port,
    IBKR_PAPER_PORT: port,
    IBKR_CLIENT_ID: String(clientId),
    TIME_SCALE: String(timeScale),
    PHOENIX_HOST_ID: 'bench-b4',
  });
  const log = new TimedLog();
  const writer = new BeadWriter({ log, clock: systemClock, ids: uuidV7Ids, hostId: 'bench-b4', mode: 'PAPER' });
  const broker = await startBroker({ config, writer, clock: systemClock, logger: silentLogger, runId: `bench-b4-${clientId}` });
  await until(() => broker.connection.connected, 'Phoenix to connect');
  return { broker, log };
}

function bareClient(port: number, clientId: number): { ib: IBApi; disconnectedAt: () => number | undefined; ready: () => boolean } {
  const ib = new IBApi({ host: '127.0.0.1', port });
  let at: number | undefined;
  let ready = false;
  ib.on(EventName.nextValidId, () => {
    ready = true;
  });
  ib.on(EventName.disconnected, () => {
    at ??= performance.now();
  });
  ib.connect(clientId);
  return { ib, disconnectedAt: () => at, ready: () => ready };
}

async function killDetection(sim: GatewaySimHandle): Promise<{ ours: number[]; bare: number[] }> {
  const ours: number[] = [];
  const bare: number[] = [];
  for (let round = 0; round < KILLS; round += 1) {
    // A fresh host per round: how long a respawn takes on a busy box must not decide whether the next round runs.
    if (sim.exited) await sim.respawn();
    const { broker, log } = await phoenix(sim, 31 + round, 1);
    const client = bareClient(sim.port, 40 + round);
    try {
      await until(() => client.ready(), 'the bare client');
      const killedAt = performance.now();
      await sim.kill('SIGKILL');
      ours.push((await until(() => log.disconnects[0], 'the DISCONNECT bead')) - killedAt);
      bare.push((await until(() => client.disconnectedAt(), 'the bare client to notice')) - killedAt);
    } finally {
      client.ib.removeAllListeners();
      await broker.stop();
    }
  }
  await sim.respawn();
  return { ours, bare };
}

async function silentDetection(sim: GatewaySimHandle): Promise<{ ours: number[]; bareNoticed: boolean }> {
  const ours: number[] = [];
  let bareNoticed = false;
  for (let round = 0; round < SILENCES; round += 1) {
    // TIME_SCALE 1: the production probe (2 s interval, 4 s timeout).
    const { broker, log } = await phoenix(sim, 51 + round, 1);
    const client = bareClient(sim.port, 60 + round);
    try {
      await until(() => client.ready(), 'the bare client');
      const silentAt = performance.now();
      await sim.control('silent');
      ours.push((await until(() => log.disconnects[0], 'the probe to declare the link dead', 20_000)) - silentAt);
      bareNoticed ||= client.disconnectedAt() !== undefined;
    } finally {
      await sim.control('unsilent');
      client.ib.removeAllListeners();
      client.ib.disconnect();
      await broker.stop();
    }
  }
  return { ours, bareNoticed };
}

export async function benchDetection(_dir: string): Promise<Measure[]> {
  const sim = await startGatewaySim({ serverVersion: 193, stateFile: true });
  try {
    const kill = await killDetection(sim);
    const silent = await silentDetection(sim);
    const worstKill = Math.max(...kill.ours);
    return [
      {
        id: 'B4',
        what: `gateway killed (SIGKILL) → IBKR_SESSION DISCONNECT bead, worst of ${KILLS}`,
        value: worstKill,
        unit: 'ms',
        target: { atMost: 250 },
        ratio: { value: percentile(kill.bare, 50) / percentile(kill.ours, 50), baseline: `bare IBApi 'disconnected' event, p50 ${percentile(kill.bare, 50).toFixed(2)} ms` },
      },
      {
        id: 'B4',
        what: `silent (half-open) gateway → DISCONNECT bead, worst of ${SILENCES} (the bare client ${silent.bareNoticed ? 'noticed' : 'never noticed'})`,
        value: Math.max(...silent.ours) / 1000,
        unit: 's',
        target: { atMost: 10 },
      },
    ];
  } finally {
    await sim.stop();
  }
}
