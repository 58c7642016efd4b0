import type { Severity } from './alertTypes.ts';

/** One alert as the dispatch policy sees it: already classified, time as data. */
export interface QueuedAlert {
  alertId: string;
  type: string;
  severity: Severity;
  /** A "RESOLVED: …" notice rather than a firing alert. */
  resolved: boolean;
  title: string;
  message: string;
  runbookId: string;
  dedupeKey: string;
  /** Epoch ms of the RAISED / RESOLVED bead: grouping and dedupe windows count from here. */
  raisedAt: number;
  correlationId: string;
  /** The RAISED / RESOLVED bead, so delivery beads can name their cause. */
  beadId: string;
}

export type NotificationKind = 'critical' | 'group';

/** One notification to the chat: possibly several Telegram messages when it is split. */
export interface Notification {
  seq: number;
  kind: NotificationKind;
  /** Alerts shown line by line. */
  detailed: QueuedAlert[];
  /** Alerts only counted in the "+N more: …" line. */
  summarised: QueuedAlert[];
  /** The text of each Telegram message, each at most 4096 characters. */
  parts: string[];
  /** How many parts have reached the chat: a retry resumes after them, never resends them. */
  sentParts: number;
  /** Message ids of the parts already delivered. */
  messageIds: string[];
}

export function alertsOf(n: Notification): QueuedAlert[] {
  return [...n.detailed, ...n.summarised];
}

/** Routing: only a firing CRITICAL skips grouping and the throttle; good news can wait its turn. */
export function isUrgent(alert: QueuedAlert): boolean {
  return alert.severity === 'CRITICAL' && !alert.resolved;
}
