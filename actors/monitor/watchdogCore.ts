import { type Bead, streams } from '../../beads/index.ts';
import { ageText } from '../../projections/healthTicks.ts';

/**
 * The watchdog's judgement (S6.3), apart from its I/O: it is told what the
 * log says about one host and what time it is, and says what to do. A dead
 * host (its pid gone without a clean stop) is CRITICAL at once; a hung host
 * (alive, silent) earns a HEARTBEAT MISSED per expected beat that did not
 * come, and the third consecutive miss is CRITICAL. A clean stop is silence
 * by design, never an alert.
 */

export interface WatchdogTimings {
  /** The host's beat: HEARTBEAT_INTERVAL_S and HEARTBEAT_JITTER_S, times TIME_SCALE. */
  intervalMs: number;
  jitterMs: number;
  /**
   * How long past a deadline before a miss is declared: the time for a bead
   * stamped before the deadline to reach us through the log. A heartbeat is
   * late by its own time, not by when we happened to read it.
   */
  confirmMs: number;
}

/** S3.4: three consecutive misses (90 s blind) are CRITICAL. */
export const MISSES_FOR_CRITICAL = 3;

export type WatchdogAction =
  | { kind: 'missed'; missCount: number; silentMs: number; pidAlive: boolean | undefined; pid: number }
  | { kind: 'hostDown'; why: 'dead' | 'hung'; dedupeKey: string; message: string; pid: number }
  | { kind: 'hostBack'; dedupeKey: string; message: string };

interface Incarnation {
  pid: number;
  hostname: string | undefined;
  /** Set by HOST STOPPING or a released lease: silence from here on is expected. */
  stopped: boolean;
}

export type WatchedHostState = 'waiting' | 'up' | 'stopped' | 'late' | 'dead' | 'hung';

export class WatchdogCore {
  private incarnation: Incarnation | undefined;
  /** The time of the host's last sign of life: its last heartbeat, or its start. */
  private lastBeatAt: number | undefined;
  private misses = 0;
  private down: { dedupeKey: string; why: 'dead' | 'hung' } | undefined;

  constructor(
    readonly hostId: string,
    private readonly timings: WatchdogTimings,
    /** This machine's name: a pid means something only on the machine it belongs to. */
    private readonly localHostname: string,
  ) {}

  get pid(): number | undefined {
    return this.incarnation?.pid;
  }

  get missCount(): number {
    return this.misses;
  }

  /** Epoch ms of the host's last sign of life (its last heartbeat, or its start), for /metrics. */
  get lastBeatTime(): number | undefined {
    return this.lastBeatAt;
  }

  get state(): WatchedHostState {
    if (!this.incarnation) return 'waiting';
    if (this.incarnation.stopped) return 'stopped';
    if (this.down) return this.down.why;
    return this.misses > 0 ? 'late' : 'up';
  }

  /** Takes in one bead of the log; beads about other hosts or streams are ignored. */
  observe(bead: Bead): WatchdogAction[] {
    const at = Date.parse(bead.ts);
    if (bead.bead_type === 'HOST' && bead.stream === streams.host(this.hostId)) {
      if (bead.data.event === 'STARTED') return this.started(bead.data.pid, bead.data.hostname, at);
      return this.stopped(bead.data.pid, 'it stopped cleanly');
    }
    if (bead.bead_type === 'LEASE' && bead.data.holder === this.hostId) {
      if (bead.data.event === 'RELEASED') return this.stopped(bead.data.pid, 'it released its lease');
      return this.started(bead.data.pid, bead.data.hostname, at);
    }
    if (bead.bead_type === 'HEARTBEAT' && bead.stream === streams.heartbeat(this.hostId)) {
      // Our own MISSED beads (or a previous watchdog's) carry the count on across a watchdog restart.
      if (bead.data.status === 'MISSED') {
        this.misses = Math.max(this.misses, bead.data.miss_count);
        return [];
      }
      this.lastBeatAt = Math.max(this.lastBeatAt ?? at, at);
      this.misses = 0;
      return this.back(`Phoenix host ${this.hostId} is back: heartbeat received (${bead.data.status})`);
    }
    return [];
  }

  /** One look at the host: is its process there, and is its heartbeat on time? */
  tick(now: number, isPidAlive: (pid: number) => boolean): WatchdogAction[] {
    const inc = this.incarnation;
    if (!inc || inc.stopped || this.lastBeatAt === undefined) return [];
    const actions: WatchdogAction[] = [];
    const local = inc.hostname === undefined || inc.hostname === this.localHostname;
    const pidAlive = local ? isPidAlive(inc.pid) : undefined;
    const silentMs = now - this.lastBeatAt;
    if (pidAlive === false && this.down?.why === 'hung') {
      // Hung, then gone: still the one incident the operator was already told about.
      this.down.why = 'dead';
    } else if (pidAlive === false && !this.down) {
      actions.push(
        this.raiseDown('dead', `Phoenix host ${this.hostId} (pid ${inc.pid}) is gone without a clean stop; last heartbeat ${ageText(silentMs)} ago. Restart it with phoenix run and follow RB-010.`),
      );
    }
    // Each expected beat that has not come is one miss: the first at interval + jitter, then one per interval.
    const { intervalMs, jitterMs, confirmMs } = this.timings;
    const due = Math.floor((silentMs - jitterMs - confirmMs) / intervalMs);
    if (due > this.misses) {
      this.misses = due;
      actions.push({ kind: 'missed', missCount: due, silentMs, pidAlive, pid: inc.pid });
      if (due >= MISSES_FOR_CRITICAL && !this.down) {
        const how = pidAlive ? 'its process is alive but hung' : 'its process cannot be checked from here';
        actions.push(
          this.raiseDown('hung', `Phoenix host ${this.hostId} (pid ${inc.pid}) is down: ${due} heartbeats missed, none for ${ageText(silentMs)}; ${how}. Follow RB-010.`),
        );
      }
    }
    return actions;
  }

  private started(pid: number, hostname: string | undefined, at: number): WatchdogAction[] {
    const inc = this.incarnation;
    if (inc && inc.pid === pid && !inc.stopped) {
      if (hostname !== undefined) inc.hostname = hostname;
      return [];
    }
    this.incarnation = { pid, hostname, stopped: false };
    this.lastBeatAt = at;
    this.misses = 0;
    return this.back(`Phoenix host ${this.hostId} started again (pid ${pid})`);
  }

  private stopped(pid: number, why: string): WatchdogAction[] {
    if (!this.incarnation || this.incarnation.pid !== pid) return [];
    this.incarnation.stopped = true;
    this.misses = 0;
    return this.back(`Phoenix host ${this.hostId} (pid ${pid}): ${why}`);
  }

  private raiseDown(why: 'dead' | 'hung', message: string): WatchdogAction {
    const pid = this.incarnation!.pid;
    // One alert per incarnation: a hung host that then dies is still the one incident.
    const dedupeKey = `HOST_DOWN:${this.hostId}:${pid}`;
    this.down = { dedupeKey, why };
    return { kind: 'hostDown', why, dedupeKey, message, pid };
  }

  private back(message: string): WatchdogAction[] {
    if (!this.down) return [];
    const { dedupeKey } = this.down;
    this.down = undefined;
    return [{ kind: 'hostBack', dedupeKey, message }];
  }
}
