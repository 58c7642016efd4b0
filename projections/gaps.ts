import { type Bead, streams } from '../beads/index.ts';

/**
 * Audit answers about gaps (S6.4): "heartbeat gaps in the last N hours" and
 * "connection gaps in the last N days", as pure folds over the log in global
 * order. Feed every bead; ask for the result at `now`. Memory is bounded by the
 * gaps found, not by the log.
 */

export interface HeartbeatGap {
  /** The last heartbeat before the silence (or the host's start). */
  from: string;
  /** The heartbeat that ended it; undefined while it lasts. */
  to?: string;
  durationMs: number;
  /** The highest miss_count the watchdog wrote during the gap. */
  misses: number;
  /** missed: the watchdog wrote MISSED beads; restarted: the silence ended with the host starting again. */
  cause: 'missed' | 'late' | 'host stopped' | 'host restarted' | 'ongoing';
}

export interface HeartbeatGapReport {
  host: string;
  beats: number;
  /** The longest interval between two heartbeats inside the window, in ms. */
  longestIntervalMs: number;
  gaps: HeartbeatGap[];
}

export interface GapWindow {
  fromMs: number;
  /** A silence longer than this is a gap: HEARTBEAT_INTERVAL_S + HEARTBEAT_JITTER_S, scaled. */
  allowedMs: number;
}

export class HeartbeatGapFold {
  private lastBeatAt: number | undefined;
  private misses = 0;
  private stoppedAt: number | undefined;
  private beats = 0;
  private longest = 0;
  private readonly gaps: HeartbeatGap[] = [];

  constructor(
    readonly host: string,
    private readonly window: GapWindow,
  ) {}

  apply(bead: Bead): void {
    const at = Date.parse(bead.ts);
    if (bead.bead_type === 'HOST' && bead.stream === streams.host(this.host)) {
      if (bead.data.event === 'STOPPING') this.stoppedAt = at;
      else this.beat(at, false);
      return;
    }
    if (bead.bead_type !== 'HEARTBEAT' || bead.stream !== streams.heartbeat(this.host)) return;
    if (bead.data.status === 'MISSED') {
      this.misses = Math.max(this.misses, bead.data.miss_count);
      return;
    }
    this.beat(at, true);
  }

  private beat(at: number, isHeartbeat: boolean): void {
    const last = this.lastBeatAt;
    if (last !== undefined && at >= this.window.fromMs) {
      const silence = at - last;
      if (isHeartbeat && last >= this.window.fromMs && this.stoppedAt === undefined) this.longest = Math.max(this.longest, silence);
      if (silence > this.window.allowedMs) {
        const cause = this.stoppedAt !== undefined ? 'host stopped' : this.misses > 0 ? 'missed' : isHeartbeat ? 'late' : 'host restarted';
        this.gaps.push({ from: iso(last), to: iso(at), durationMs: silence, misses: this.misses, cause });
      }
    }
    if (isHeartbeat && at >= this.window.fromMs) this.beats += 1;
    this.lastBeatAt = at;
    this.misses = 0;
    this.stoppedAt = undefined;
  }

  result(now: number): HeartbeatGapReport {
    const gaps = [...this.gaps];
    const last = this.lastBeatAt;
    if (last !== undefined && now - last > this.window.allowedMs && now >= this.window.fromMs) {
      gaps.push({
        from: iso(last),
        durationMs: now - last,
        misses: this.misses,
        cause: this.stoppedAt !== undefined ? 'host stopped' : 'ongoing',
      });
    }
    return { host: this.host, beats: this.beats, longestIntervalMs: this.longest, gaps };
  }
}

export interface ConnectionGap {
  /** The DISCONNECT bead's time. */
  from: string;
  /** The CONNECT that ended it; undefined while it lasts. */
  to?: string;
  durationMs: number;
  reason: string;
  /** Reconnect attempts made during the gap. */
  attempts: number;
  escalated: boolean;
}

/** Connection gaps of one host: from each DISCONNECT to the CONNECT that ends it. */
export class ConnectionGapFold {
  private open: { at: number; reason: string; attempts: number; escalated: boolean } | undefined;
  private readonly gaps: ConnectionGap[] = [];
  private sessions = 0;

  constructor(
    readonly host: string,
    private readonly fromMs: number,
  ) {}

  apply(bead: Bead): void {
    if (bead.bead_type !== 'IBKR_SESSION' || bead.stream !== streams.connection(this.host)) return;
    const at = Date.parse(bead.ts);
    const d = bead.data;
    if (d.event === 'DISCONNECT') {
      // A second DISCONNECT inside one gap (a guard failure while down) does not open another.
      this.open ??= { at, reason: d.reason ?? '', attempts: 0, escalated: false };
      return;
    }
    if (d.event === 'RECONNECT') {
      if (!this.open) return;
      this.open.attempts = Math.max(this.open.attempts, d.reconnect_attempt);
      if (d.escalated) this.open.escalated = true;
      return;
    }
    if (at >= this.fromMs) this.sessions += 1;
    if (!this.open) return;
    if (at >= this.fromMs) this.gaps.push({ ...this.close(this.open), to: iso(at), durationMs: at - this.open.at });
    this.open = undefined;
  }

  private close(open: NonNullable<ConnectionGapFold['open']>): Omit<ConnectionGap, 'to' | 'durationMs'> {
    return { from: iso(open.at), reason: open.reason, attempts: open.attempts, escalated: open.escalated };
  }

  result(now: number): { host: string; sessions: number; gaps: ConnectionGap[] } {
    const gaps = [...this.gaps];
    if (this.open) gaps.push({ ...this.close(this.open), durationMs: now - this.open.at });
    return { host: this.host, sessions: this.sessions, gaps };
  }
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
