import { hostname as osHostname } from 'node:os';
import { type BeadOf, type Clock, type IdSource, type Mode, stamp, streams } from '../beads/index.ts';
import { isWrongExpectedRevision } from './errors.ts';
import type { EventLog, ExpectedRevision } from './port.ts';

type LeaseBead = BeadOf<'LEASE'>;
type LeaseEvent = LeaseBead['data']['event'];

/** Who holds (or held) the log, as named in the last lease bead. */
export interface LeaseHolder {
  holder: string;
  pid: number;
  hostname: string;
  expiresAt: string;
}

/** Another live host holds the log: this one must not trade against it (S2). */
export class LeaseHeldError extends Error {
  override readonly name = 'LeaseHeldError';
  constructor(readonly current: LeaseHolder) {
    super(
      `the log is held by host ${current.holder} (pid ${current.pid} on ${current.hostname}) until ${shortTime(current.expiresAt)}; another host is running against this log`,
    );
  }
}

/** We held the lease but someone else has since written to the lease stream: stop trading. */
export class LeaseLostError extends Error {
  override readonly name = 'LeaseLostError';
  constructor(
    readonly holder: string,
    readonly now?: LeaseHolder,
  ) {
    super(
      now
        ? `host ${holder} lost the lease: it is now held by host ${now.holder} (pid ${now.pid} on ${now.hostname}) until ${shortTime(now.expiresAt)}`
        : `host ${holder} does not hold the lease`,
    );
  }
}

/** The lease stream ends in something that is not a readable lease bead: refuse rather than guess who holds it. */
export class LeaseUnreadableError extends Error {
  override readonly name = 'LeaseUnreadableError';
}

export interface LeaseGrant {
  event: Extract<LeaseEvent, 'ACQUIRED' | 'TAKEN_OVER' | 'RENEWED'>;
  /** Epoch ms until which the lease is ours without a renewal. */
  expiresAt: number;
  /** Set on a takeover: whose lease it was, and why it counted as gone. */
  previous?: { holder: LeaseHolder; why: string };
}

export interface HostLeaseOptions {
  log: EventLog;
  /** The host id written on every bead. */
  holder: string;
  mode: Mode;
  /** How long a lease lasts without a renewal; renew well inside it (every heartbeat). */
  ttlMs: number;
  clock: Clock;
  ids: IdSource;
  pid?: number;
  hostname?: string;
  isPidAlive?: (pid: number) => boolean;
}

/** True while a process with this pid exists on this machine (EPERM: it exists but is not ours). */
export function isPidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * The single-writer lease (S2), over any EventLog: every change is an append
 * to `host-lease` with an expected revision, so two hosts racing for it
 * cannot both win. A live holder's lease is never taken; a gone one
 * (expired, or a dead pid on this machine) is taken over with a bead that
 * says so.
 */
export class HostLease {
  private readonly pid: number;
  private readonly hostname: string;
  private readonly pidAlive: (pid: number) => boolean;
  /** The revision of our last lease bead while we hold the lease. */
  private revision: number | undefined;
  /** Ties one tenure's beads together: the id of the bead that began it. */
  private tenure = '';

  constructor(private readonly options: HostLeaseOptions) {
    this.pid = options.pid ?? process.pid;
    this.hostname = options.hostname ?? osHostname();
    this.pidAlive = options.isPidAlive ?? isPidAlive;
  }

  get held(): boolean {
    return this.revision !== undefined;
  }

  async acquire(): Promise<LeaseGrant> {
    const last = await this.readLast();
    if (this.revision !== undefined && this.revision === last?.revision) return this.renew();
    // Whatever we held before, someone has written since: decide afresh from the last bead.
    this.revision = undefined;
    if (!last) return this.claim('ACQUIRED', 'no_stream');
    if (last.bead.data.event === 'RELEASED') return this.claim('ACQUIRED', last.revision, last.bead);
    const why = this.whyGone(last.bead);
    if (why === undefined) throw new LeaseHeldError(holderOf(last.bead));
    return this.claim('TAKEN_OVER', last.revision, last.bead, why);
  }

  async renew(): Promise<LeaseGrant> {
    if (this.revision === undefined) throw new LeaseLostError(this.options.holder);
    const expiresAt = this.options.clock.now() + this.options.ttlMs;
    try {
      await this.write('RENEWED', this.revision, expiresAt);
    } catch (err) {
      throw await this.lostIfConflict(err);
    }
    return { event: 'RENEWED', expiresAt };
  }

  /** Gives the lease up so the next host acquires it at once instead of waiting for the expiry. */
  async release(why = 'host stopping'): Promise<void> {
    if (this.revision === undefined) return;
    try {
      await this.write('RELEASED', this.revision, this.options.clock.now(), { why });
    } catch (err) {
      throw await this.lostIfConflict(err);
    }
    this.revision = undefined;
  }

  private async claim(
    event: 'ACQUIRED' | 'TAKEN_OVER',
    expected: ExpectedRevision,
    previous?: LeaseBead,
    why?: string,
  ): Promise<LeaseGrant> {
    const expiresAt = this.options.clock.now() + this.options.ttlMs;
    const takeover = event === 'TAKEN_OVER' && previous ? { previous_holder: previous.data.holder, previous_pid: previous.data.pid, why } : {};
    try {
      await this.write(event, expected, expiresAt, takeover, previous?.bead_id);
    } catch (err) {
      if (!isWrongExpectedRevision(err)) throw err;
      // Someone else appended first: they won the race, and we say who they are.
      const winner = await this.readLast();
      throw winner ? new LeaseHeldError(holderOf(winner.bead)) : err;
    }
    const grant: LeaseGrant = { event, expiresAt };
    if (event === 'TAKEN_OVER' && previous && why) grant.previous = { holder: holderOf(previous), why };
    return grant;
  }

  private async write(
    event: LeaseEvent,
    expected: ExpectedRevision,
    expiresAt: number,
    extra: Partial<LeaseBead['data']> = {},
    causationId?: string,
  ): Promise<void> {
    const { log, holder, mode, clock, ids } = this.options;
    const beadId = ids.next();
    const starts = event === 'ACQUIRED' || event === 'TAKEN_OVER';
    const bead = stamp(
      {
        bead_type: 'LEASE',
        stream: streams.lease,
        correlation_id: starts ? beadId : this.tenure,
        ...(causationId ? { causation_id: causationId } : {}),
        data: { event, holder, pid: this.pid, hostname: this.hostname, expires_at: new Date(expiresAt).toISOString(), ...extra },
      },
      { bead_id: beadId, ts: new Date(clock.now()).toISOString(), host_id: holder, mode },
    );
    const result = await log.append(streams.lease, [bead], expected);
    this.revision = result.nextRevision;
    if (starts) this.tenure = beadId;
  }

  private whyGone(last: LeaseBead): string | undefined {
    return whyLeaseGone(last, { now: this.options.clock.now(), hostname: this.hostname, pid: this.pid, isPidAlive: this.pidAlive });
  }

  private readLast(): Promise<{ revision: number; bead: LeaseBead } | undefined> {
    return readLastLease(this.options.log);
  }

  private async lostIfConflict(err: unknown): Promise<unknown> {
    if (!isWrongExpectedRevision(err)) return err;
    this.revision = undefined;
    const now = await this.readLast().catch(() => undefined);
    return new LeaseLostError(this.options.holder, now && holderOf(now.bead));
  }
}

interface Observer {
  now: number;
  hostname: string;
  pid: number;
  isPidAlive: (pid: number) => boolean;
}

/** Why the holder of `last` counts as gone (S2: expired, or a dead pid on this machine), or undefined while it is live. */
function whyLeaseGone(last: LeaseBead, o: Observer): string | undefined {
  const { pid, hostname, expires_at } = last.data;
  if (o.now >= Date.parse(expires_at)) return `lease expired at ${expires_at}`;
  if (hostname !== o.hostname) return undefined;
  // Our own pid on our own machine, yet not our lease: the old holder died and its pid was reused for us.
  if (pid === o.pid) return `pid ${pid} on ${hostname} is now this process; the previous holder is gone`;
  if (!o.isPidAlive(pid)) return `pid ${pid} on ${hostname} is not running`;
  return undefined;
}

async function readLastLease(log: EventLog): Promise<{ revision: number; bead: LeaseBead } | undefined> {
  const [last] = await log.readStream(streams.lease, { direction: 'backwards', limit: 1 });
  if (!last) return undefined;
  if (last.kind === 'corrupt') {
    throw new LeaseUnreadableError(`the last bead on ${streams.lease} (revision ${last.revision}) is unreadable: ${last.reason}`);
  }
  if (last.bead.bead_type !== 'LEASE') {
    throw new LeaseUnreadableError(`the last bead on ${streams.lease} is a ${last.bead.bead_type} bead, not a LEASE bead`);
  }
  return { revision: last.revision, bead: last.bead };
}

/** Whether a live host holds the log, as another process on this machine (the CLI) sees it. */
export type LeaseLiveness = { live: true; holder: LeaseHolder } | { live: false; why: string; holder?: LeaseHolder };

/**
 * Read-only: the same judgement a host makes before taking over, without
 * writing anything. `phoenix halt` asks it to choose between asking the host
 * (through the log) and acting on the gateway itself.
 */
export async function leaseLiveness(
  log: EventLog,
  options: { clock: Clock; hostname?: string; pid?: number; isPidAlive?: (pid: number) => boolean },
): Promise<LeaseLiveness> {
  const last = await readLastLease(log);
  if (!last) return { live: false, why: 'no host has ever held this log' };
  const holder = holderOf(last.bead);
  if (last.bead.data.event === 'RELEASED') return { live: false, why: `host ${holder.holder} released the lease (${last.bead.data.why ?? 'stopped'})`, holder };
  const why = whyLeaseGone(last.bead, {
    now: options.clock.now(),
    hostname: options.hostname ?? osHostname(),
    pid: options.pid ?? process.pid,
    isPidAlive: options.isPidAlive ?? isPidAlive,
  });
  return why === undefined ? { live: true, holder } : { live: false, why: `host ${holder.holder}: ${why}`, holder };
}

function holderOf(bead: LeaseBead): LeaseHolder {
  const { holder, pid, hostname, expires_at } = bead.data;
  return { holder, pid, hostname, expiresAt: expires_at };
}

/** "2026-11-24T09:01:30.000Z" → "09:01:30Z on 2026-11-24": the time first, because that is what an operator acts on. */
function shortTime(iso: string): string {
  const match = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})/.exec(iso);
  return match ? `${match[2]}Z on ${match[1]}` : iso;
}
