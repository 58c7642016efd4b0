import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type BeadOf, streams } from '../../beads/index.ts';
import { ManualClock } from '../../runtime/clock.ts';
import { uuidV7Ids } from '../../store/ids.ts';
import { HostLease, type HostLeaseOptions, LeaseHeldError, LeaseLostError, LeaseUnreadableError } from '../../store/lease.ts';
import { MemoryEventLog } from '../../store/memory.ts';
import type { EventLog } from '../../store/port.ts';
import { defaultLogPath, SqliteEventLog } from '../../store/sqlite.ts';
import { EventStoreDbEventLog } from '../../store/eventstoredb.ts';
import { FakeEventStore } from '../../tools/esdb-sim/fakeEventStore.ts';
import { testBead } from '../support/beads.ts';
import { makeTempDir } from '../support/tempDir.ts';

interface LeaseFixture {
  log: EventLog;
  /** Another handle on the same log, as a second host process would have. */
  other: () => EventLog;
  cleanup: () => Promise<void>;
}

const adapters: [string, () => LeaseFixture | Promise<LeaseFixture>][] = [
  [
    'memory',
    () => {
      const log = new MemoryEventLog();
      return { log, other: () => log, cleanup: () => log.close() };
    },
  ],
  [
    'sqlite',
    () => {
      const temp = makeTempDir('phoenix-lease');
      const path = defaultLogPath(temp.dir);
      const handles = [new SqliteEventLog(path)];
      return {
        log: handles[0]!,
        other: () => {
          const handle = new SqliteEventLog(path);
          handles.push(handle);
          return handle;
        },
        cleanup: async () => {
          for (const h of handles) await h.close();
          temp.remove();
        },
      };
    },
  ],
  [
    // The real @eventstore/db-client over gRPC to the loopback server (tools/esdb-sim): S2's single writer, where it scales.
    'eventstoredb',
    async () => {
      const server = new FakeEventStore();
      await server.start();
      const open = () => new EventStoreDbEventLog({ connectionString: server.connectionString, appendTimeoutMs: 5_000, readTimeoutMs: 5_000 });
      const handles = [open()];
      return {
        log: handles[0]!,
        other: () => {
          const handle = open();
          handles.push(handle);
          return handle;
        },
        cleanup: async () => {
          for (const h of handles) await h.close();
          await server.stop();
        },
      };
    },
  ],
];

const TTL_MS = 90_000;

describe.each(adapters)('host lease on %s', (_name, openFixture) => {
  let fixture: LeaseFixture;
  let clock: ManualClock;
  /** Pids of processes that are running, as the fake process table sees them. */
  let running: Set<number>;

  const lease = (holder: string, overrides: Partial<HostLeaseOptions> = {}) =>
    new HostLease({
      log: fixture.log,
      holder,
      mode: 'PAPER',
      ttlMs: TTL_MS,
      clock,
      ids: uuidV7Ids,
      pid: 1000,
      hostname: 'box',
      isPidAlive: (pid) => running.has(pid),
      ...overrides,
    });

  const leaseBeads = async (log: EventLog = fixture.log) =>
    (await log.readStream(streams.lease)).map((e) => {
      if (e.kind !== 'bead' || e.bead.bead_type !== 'LEASE') throw new Error('expected a LEASE bead');
      return e.bead as BeadOf<'LEASE'>;
    });

  beforeEach(async () => {
    fixture = await openFixture();
    clock = new ManualClock();
    running = new Set([1000, 2000]);
  });
  afterEach(() => fixture.cleanup());

  it('grants a free log and records who holds it until when', async () => {
    const grant = await lease('phoenix-1').acquire();
    expect(grant.event).toBe('ACQUIRED');
    const [bead] = await leaseBeads();
    expect(bead!.data).toMatchObject({
      event: 'ACQUIRED',
      holder: 'phoenix-1',
      pid: 1000,
      hostname: 'box',
      expires_at: new Date(clock.now() + TTL_MS).toISOString(),
    });
    expect(bead!.host_id).toBe('phoenix-1');
    expect(bead!.mode).toBe('PAPER');
  });

  it('refuses a second host with a message naming the holder, its pid, machine and expiry', async () => {
    await lease('phoenix-1').acquire();
    const err = await lease('phoenix-2', { pid: 2000, hostname: 'other-box', log: fixture.other() })
      .acquire()
      .catch((e) => e);
    expect(err).toBeInstanceOf(LeaseHeldError);
    expect(err.message).toBe(
      'the log is held by host phoenix-1 (pid 1000 on box) until 09:01:30Z on 2026-11-24; another host is running against this log',
    );
    expect(await leaseBeads()).toHaveLength(1);
  });

  it('never takes a live holder’s lease, however long it keeps renewing', async () => {
    const first = lease('phoenix-1');
    await first.acquire();
    for (let i = 0; i < 5; i++) {
      clock.advance(TTL_MS / 2);
      await first.renew();
      // Same machine, pid alive; and another machine, which cannot see our pids.
      await expect(lease('phoenix-2', { pid: 2000 }).acquire()).rejects.toBeInstanceOf(LeaseHeldError);
      await expect(lease('phoenix-3', { pid: 3000, hostname: 'far-box' }).acquire()).rejects.toBeInstanceOf(LeaseHeldError);
    }
    expect((await leaseBeads()).map((b) => b.data.event)).toEqual(['ACQUIRED', ...Array(5).fill('RENEWED')]);
    expect(first.held).toBe(true);
  });

  it('takes over an expired lease with a TAKEN_OVER bead, and the old holder learns it lost it', async () => {
    const first = lease('phoenix-1');
    await first.acquire();
    clock.advance(TTL_MS);
    const second = lease('phoenix-2', { pid: 2000, hostname: 'other-box', log: fixture.other() });
    const grant = await second.acquire();
    expect(grant.event).toBe('TAKEN_OVER');
    expect(grant.previous?.why).toMatch(/expired/);
    const beads = await leaseBeads();
    expect(beads[1]!.data).toMatchObject({ event: 'TAKEN_OVER', holder: 'phoenix-2', previous_holder: 'phoenix-1', previous_pid: 1000 });
    expect(beads[1]!.causation_id).toBe(beads[0]!.bead_id);

    const lost = await first.renew().catch((e) => e);
    expect(lost).toBeInstanceOf(LeaseLostError);
    expect(lost.message).toMatch(/lost the lease: it is now held by host phoenix-2 \(pid 2000 on other-box\)/);
    expect(first.held).toBe(false);
    expect(await leaseBeads()).toHaveLength(2);
  });

  it('takes over at once from a dead pid on the same machine, as a host restarting after a crash does', async () => {
    await lease('phoenix-1', { pid: 1000 }).acquire();
    running.delete(1000);
    const restarted = lease('phoenix-1', { pid: 1001 });
    const grant = await restarted.acquire();
    expect(grant.event).toBe('TAKEN_OVER');
    expect(grant.previous?.why).toBe('pid 1000 on box is not running');
    expect((await leaseBeads())[1]!.data).toMatchObject({ event: 'TAKEN_OVER', holder: 'phoenix-1', pid: 1001, previous_pid: 1000 });
  });

  it('treats its own pid in an old lease as a crashed predecessor whose pid was reused', async () => {
    await lease('phoenix-1', { pid: 1000 }).acquire();
    const grant = await lease('phoenix-1', { pid: 1000 }).acquire();
    expect(grant.event).toBe('TAKEN_OVER');
    expect(grant.previous?.why).toMatch(/is now this process/);
  });

  it('lets exactly one of several concurrent acquirers win, by expected-revision conflict', async () => {
    const names = ['phoenix-a', 'phoenix-b', 'phoenix-c', 'phoenix-d'];
    // Every contender has read an empty lease stream before any of them appends.
    const barrier = readBarrier(names.length);
    const contenders = names.map((holder, i) =>
      lease(holder, { pid: 3000 + i, hostname: `box-${i}`, log: barrier.wrap(i % 2 === 0 ? fixture.log : fixture.other()) }),
    );
    const outcomes = await Promise.allSettled(contenders.map((c) => c.acquire()));
    const winners = outcomes.filter((o) => o.status === 'fulfilled');
    const losers = outcomes.flatMap((o) => (o.status === 'rejected' ? [o.reason] : []));
    expect(winners).toHaveLength(1);
    expect(losers).toHaveLength(3);
    for (const err of losers) expect(err).toBeInstanceOf(LeaseHeldError);
    const beads = await leaseBeads();
    expect(beads).toHaveLength(1);
    expect(contenders.filter((c) => c.held)).toHaveLength(1);
    for (const err of losers) expect(err.current.holder).toBe(beads[0]!.data.holder);
  });

  it('renews when the holder asks for a lease it already holds', async () => {
    const first = lease('phoenix-1');
    await first.acquire();
    clock.advance(1000);
    const again = await first.acquire();
    expect(again).toEqual({ event: 'RENEWED', expiresAt: clock.now() + TTL_MS });
    expect((await leaseBeads()).map((b) => b.data.event)).toEqual(['ACQUIRED', 'RENEWED']);
  });

  it('hands the log straight to the next host after a release', async () => {
    const first = lease('phoenix-1');
    await first.acquire();
    await first.release();
    expect(first.held).toBe(false);
    const grant = await lease('phoenix-2', { pid: 2000 }).acquire();
    expect(grant.event).toBe('ACQUIRED');
    expect((await leaseBeads()).map((b) => b.data.event)).toEqual(['ACQUIRED', 'RELEASED', 'ACQUIRED']);
  });

  it('refuses to guess when the lease stream ends in something that is not a lease bead', async () => {
    await fixture.log.append(streams.lease, [testBead(streams.lease)]);
    await expect(lease('phoenix-1').acquire()).rejects.toBeInstanceOf(LeaseUnreadableError);
  });
});

/** Holds the first `count` readStream answers until all of them have been asked for. */
function readBarrier(count: number) {
  let waiting = count;
  let open: () => void = () => undefined;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return {
    wrap(log: EventLog): EventLog {
      return new Proxy(log, {
        get(target, key, receiver) {
          if (key !== 'readStream') return Reflect.get(target, key, receiver);
          return async (...args: Parameters<EventLog['readStream']>) => {
            const entries = await target.readStream(...args);
            if (waiting > 0) {
              waiting -= 1;
              if (waiting === 0) open();
              await opened;
            }
            return entries;
          };
        },
      });
    },
  };
}
