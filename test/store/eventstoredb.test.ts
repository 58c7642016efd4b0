import { randomUUID } from 'node:crypto';
import { EventStoreDbEventLog, type EventStoreDbOptions } from '../../store/eventstoredb.ts';
import { FakeEventStore, type FakeEventStoreOptions } from '../esdb/fakeEventStore.ts';
import { realServerConnectionString } from '../esdb/realServer.ts';
import { eventLogConformance } from './conformance.ts';

/** Quick to notice a dead server, so the restart test stays fast. */
const TEST_TIMINGS = {
  appendTimeoutMs: 2_000,
  readTimeoutMs: 2_000,
  resubscribeBackoff: { initialMs: 20, maxMs: 200 },
} satisfies Partial<EventStoreDbOptions>;

function againstFake(name: string, options: FakeEventStoreOptions): void {
  eventLogConformance(name, async () => {
    const fake = new FakeEventStore(options);
    await fake.start();
    const open = () => new EventStoreDbEventLog({ connectionString: fake.connectionString, ...TEST_TIMINGS });
    const log = open();
    return {
      log,
      restartServer: () => fake.restart(),
      openSecond: async () => open(),
      cleanup: async () => {
        await log.close();
        await fake.stop();
      },
    };
  });
}

againstFake('eventstoredb (loopback gRPC, Append)', {});
againstFake('eventstoredb (loopback gRPC, BatchAppend)', { batchAppend: true });

const real = realServerConnectionString();
if (real) {
  eventLogConformance('eventstoredb (real server)', async () => {
    // Every test gets its own streams, so runs never meet on a shared server.
    const streamPrefix = `phoenix-test-${randomUUID().slice(0, 8)}-`;
    const open = () => new EventStoreDbEventLog({ connectionString: real, streamPrefix, ...TEST_TIMINGS });
    const log = open();
    return { log, openSecond: async () => open(), cleanup: () => log.close() };
  });
}
