import { EventName, IBApi } from '@stoqey/ib';
import type { SessionInfo } from './connector.ts';

/**
 * One TCP session with the gateway through the raw @stoqey/ib `IBApi`: the
 * handshake and its failures, said clearly. Each (re)connect builds a fresh
 * IBApi with the same, fixed client id: the library's own buffers (commands
 * queued before nextValidId, its rate limiter's FIFO) die with the old
 * instance, so nothing meant for a dead session is ever replayed into a new
 * one. The library's reconnect is never used; the connection machine decides.
 */

export interface IbLinkOptions {
  host: string;
  port: number;
  clientId: number;
  handshakeTimeoutMs: number;
  now(): number;
  /** Attaches the connector's listeners before the first byte, so no early message is missed. */
  wire(ib: IBApi): void;
}

export type IbLinkOutcome = { ok: true; link: IbLink } | { ok: false; reason: string; code?: number };

/** Codes the gateway sends during a handshake that end it. */
const CLIENT_ID_IN_USE = 326;
const CONNECT_FAIL = 502;

export class IbLink {
  private lostListener: ((reason: string) => void) | undefined;
  private closed = false;

  constructor(
    readonly ib: IBApi,
    readonly info: SessionInfo,
  ) {
    ib.on(EventName.disconnected, () => {
      if (this.closed) return;
      this.closed = true;
      this.lostListener?.('the gateway closed the connection');
    });
  }

  /** Called once if the socket goes away on its own (not after close()). */
  onLost(listener: (reason: string) => void): void {
    this.lostListener = listener;
  }

  get isOpen(): boolean {
    return !this.closed;
  }

  /** Ends the session quietly: no loss is reported for a close we asked for. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.ib.disconnect();
    this.ib.removeAllListeners();
  }
}

function describeFailure(options: IbLinkOptions, notes: { code: number; message: string }[]): { reason: string; code?: number } {
  const inUse = notes.find((n) => n.code === CLIENT_ID_IN_USE);
  if (inUse) {
    return {
      code: CLIENT_ID_IN_USE,
      reason:
        `client id ${options.clientId} is already in use at the gateway (IB ${CLIENT_ID_IN_USE}: ${inUse.message}). ` +
        'The id is fixed and is not changed: after an unclean drop the gateway releases it by itself, or close the other session.',
    };
  }
  const refused = notes.find((n) => n.code === CONNECT_FAIL);
  if (refused) return { code: CONNECT_FAIL, reason: `cannot reach the gateway at ${options.host}:${options.port}: ${refused.message}` };
  const said = notes.map((n) => `${n.code} ${n.message}`).join('; ');
  return { reason: `the gateway at ${options.host}:${options.port} closed the connection during the handshake${said ? ` (${said})` : ''}` };
}

/** Connects and waits for managedAccounts and nextValidId, which IB sends once the API has started. */
export function openIbLink(options: IbLinkOptions): Promise<IbLinkOutcome> {
  // maxReqPerSec is only a backstop: Phoenix's own pacer keeps every message under 45/s before it gets here.
  const ib = new IBApi({ host: options.host, port: options.port, maxReqPerSec: 50 });
  options.wire(ib);
  const notes: { code: number; message: string }[] = [];
  let accounts: string[] | undefined;
  let nextValidId: number | undefined;
  let serverVersion: number | undefined;

  return new Promise<IbLinkOutcome>((resolve) => {
    let settled = false;
    const finish = (outcome: IbLinkOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      ib.off(EventName.disconnected, onDisconnected);
      if (!outcome.ok) {
        ib.disconnect();
        ib.removeAllListeners();
      }
      resolve(outcome);
    };
    const ready = () => {
      if (accounts === undefined || nextValidId === undefined) return;
      const info: SessionInfo = { managedAccounts: accounts, nextValidId, port: options.port, connectedAt: options.now() };
      if (serverVersion) info.serverVersion = serverVersion;
      finish({ ok: true, link: new IbLink(ib, info) });
    };
    const onDisconnected = () => finish({ ok: false, ...describeFailure(options, notes) });
    const timer = setTimeout(
      () =>
        finish({
          ok: false,
          reason: `no answer to the API handshake from ${options.host}:${options.port} within ${Math.round(options.handshakeTimeoutMs)} ms (gateway silent or half-open)`,
        }),
      options.handshakeTimeoutMs,
    );

    // Only the handshake's notes matter here; after it the connector's own listeners take over.
    ib.on(EventName.error, (error: Error, code: number) => {
      if (!settled) notes.push({ code: Number(code), message: error.message });
    });
    ib.on(EventName.info, (message: string, code: number) => {
      if (!settled) notes.push({ code: Number(code), message });
    });
    ib.on(EventName.server, (version: number) => {
      serverVersion = Number(version);
    });
    ib.on(EventName.managedAccounts, (list: string) => {
      accounts = list
        .split(',')
        .map((a) => a.trim())
        .filter(Boolean);
      ready();
    });
    ib.on(EventName.nextValidId, (id: number) => {
      nextValidId = Number(id);
      ready();
    });
    ib.on(EventName.disconnected, onDisconnected);
    ib.connect(options.clientId);
  });
}
