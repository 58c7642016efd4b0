/**
 * A stand-in host for the watchdog's process tests, until `phoenix run` beats
 * itself: writes HOST STARTED with its pid, beats with the real heartbeat
 * actor (all checks passing), and on SIGTERM writes HOST STOPPING and exits.
 * Tests SIGKILL and SIGSTOP it. Usage: heartbeatHost.ts <PHOENIX_HOME> <host id> <TIME_SCALE>
 */
import { hostname } from 'node:os';
import { systemClock } from '../../actors/clock.ts';
import { BeadWriter } from '../../actors/host/beadWriter.ts';
import { ActorRegistry } from '../../actors/monitor/actorRegistry.ts';
import { startHeartbeat } from '../../actors/monitor/heartbeatActor.ts';
import { seededRandom } from '../../actors/random.ts';
import { streams } from '../../beads/index.ts';
import { uuidV7Ids } from '../../store/ids.ts';
import { defaultLogPath, SqliteEventLog } from '../../store/sqlite.ts';

const [home, hostId, scaleText] = process.argv.slice(2);
if (!home || !hostId || !scaleText) throw new Error('usage: heartbeatHost.ts <PHOENIX_HOME> <host id> <TIME_SCALE>');

const log = new SqliteEventLog(defaultLogPath(home));
const writer = new BeadWriter({ log, clock: systemClock, ids: uuidV7Ids, hostId, mode: 'MOCK' });
const host = (event: 'STARTED' | 'STOPPING') =>
  writer.write({
    bead_type: 'HOST',
    stream: streams.host(hostId),
    correlation_id: `host-${hostId}`,
    data: { event, version: 'test', config_hash: 'test', pid: process.pid, hostname: hostname() },
  });

await host('STARTED');
const heartbeat = startHeartbeat({
  writer,
  clock: systemClock,
  random: seededRandom(process.pid),
  config: { PHOENIX_HOST_ID: hostId, HEARTBEAT_INTERVAL_S: 30, HEARTBEAT_JITTER_S: 5, TIME_SCALE: Number(scaleText) },
  probes: { actors: new ActorRegistry(), ibkrConnected: () => true, semantic: { findings: () => [] } },
});
process.stdout.write(`host up pid ${process.pid}\n`);

process.once('SIGTERM', async () => {
  await heartbeat.stop();
  await host('STOPPING');
  await log.close();
  process.stdout.write('host stopped\n');
  process.exit(0);
});
