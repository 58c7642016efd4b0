/**
 * The telegram-sim control channel: JSON over HTTP on loopback, like the
 * gateway simulator's. `POST /fail` switches on one of the S7.2 faults (429
 * with retry_after, a hang, a 5xx, connection refused), `POST /clear` ends
 * it, `POST /inject-message` and `/inject-callback` play the operator's
 * phone, `GET /state` tells what the API received. Bodies are checked
 * strictly; a bad one is a 400 with the reason.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import type { BotApiSim } from './botApi.ts';

const MAX_BODY_BYTES = 64 * 1024;

const FailBody = z
  .object({
    kind: z.enum(['429', 'hang', '5xx', 'refused']),
    retryAfter: z.number().int().min(1).max(3600).optional(),
    status: z.number().int().min(500).max(599).optional(),
    methods: z.array(z.string().min(1)).min(1).optional(),
    times: z.number().int().min(1).optional(),
  })
  .strict()
  .refine((b) => b.kind === '429' || b.retryAfter === undefined, 'retryAfter goes with kind 429')
  .refine((b) => b.kind === '5xx' || b.status === undefined, 'status goes with kind 5xx')
  .refine((b) => b.kind !== 'refused' || (b.methods === undefined && b.times === undefined), 'refused takes the whole API down: no methods or times');

const MessageBody = z.object({ chatId: z.union([z.number().int(), z.string().regex(/^-?\d+$/)]), userId: z.number().int(), text: z.string().min(1), username: z.string().optional() }).strict();
const CallbackBody = z.object({ chatId: z.union([z.number().int(), z.string().regex(/^-?\d+$/)]), userId: z.number().int(), data: z.string(), messageId: z.number().int() }).strict();

export type FailRequest = z.infer<typeof FailBody>;

type Reply = { status: number; body: Record<string, unknown> };
const ok = (extra: Record<string, unknown> = {}): Reply => ({ status: 200, body: { ok: true, ...extra } });
const bad = (status: number, error: string): Reply => ({ status, body: { ok: false, error } });

/** What the API has received and what is switched on: the evidence a drill or bunny judges from. */
export function snapshotOf(api: BotApiSim) {
  return {
    pid: process.pid,
    listening: api.listening,
    port: api.apiPort,
    failure: api.activeFailure ?? null,
    hanging: api.hanging,
    pendingUpdates: api.pendingUpdates,
    calls: api.calls,
    messages: api.messages,
    edits: api.edits,
    answers: api.answers,
  };
}

export type TelegramSimSnapshot = ReturnType<typeof snapshotOf>;

/** Turns one fault on (or, for refused, takes the API port down). */
export async function applyFailure(api: BotApiSim, f: FailRequest): Promise<void> {
  if (f.kind === 'refused') {
    api.failWith(undefined);
    if (api.listening) await api.stopListening();
    return;
  }
  const failure = f.kind === '429' ? { kind: '429' as const, retryAfter: f.retryAfter ?? 5 } : f.kind === '5xx' ? { kind: '5xx' as const, ...(f.status ? { status: f.status } : {}) } : { kind: 'hang' as const };
  api.failWith(failure, { ...(f.methods ? { methods: f.methods } : {}), ...(f.times ? { times: f.times } : {}) });
}

/** Every fault off: failures cleared, hung requests dropped, the API port listening again. */
export async function clearFailures(api: BotApiSim): Promise<void> {
  api.failWith(undefined);
  if (!api.listening) await api.startListening();
}

export class TelegramSimControl {
  private server: Server | undefined;

  constructor(
    private readonly api: BotApiSim,
    private readonly port: number,
  ) {}

  get boundPort(): number {
    return (this.server?.address() as AddressInfo | null)?.port ?? 0;
  }

  async listen(): Promise<number> {
    const server = createServer((req, res) => {
      this.route(req).then(
        (reply) => write(res, reply),
        (err: Error) => write(res, bad(500, err.message)),
      );
    });
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    return this.boundPort;
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }

  private async route(req: IncomingMessage): Promise<Reply> {
    const path = new URL(req.url ?? '/', 'http://control.invalid').pathname;
    if (req.method === 'GET' && path === '/health') return ok({ pid: process.pid });
    if (req.method === 'GET' && path === '/state') return ok(snapshotOf(this.api));
    if (req.method !== 'POST') return bad(404, `unknown request ${req.method} ${path}`);
    const body = await readJson(req).catch((err: Error) => err);
    if (body instanceof Error) return bad(body.message.includes('too large') ? 413 : 400, body.message);
    switch (path) {
      case '/fail': {
        const parsed = FailBody.safeParse(body);
        if (!parsed.success) return bad(400, issues(parsed.error));
        await applyFailure(this.api, parsed.data);
        return ok({ failure: parsed.data });
      }
      case '/clear':
        await clearFailures(this.api);
        return ok();
      case '/inject-message': {
        const parsed = MessageBody.safeParse(body);
        if (!parsed.success) return bad(400, issues(parsed.error));
        return ok({ update_id: this.api.injectMessage(parsed.data) });
      }
      case '/inject-callback': {
        const parsed = CallbackBody.safeParse(body);
        if (!parsed.success) return bad(400, issues(parsed.error));
        return ok({ callback_query_id: this.api.injectCallback(parsed.data) });
      }
      default:
        return bad(404, `unknown command ${path}`);
    }
  }
}

function issues(error: z.ZodError): string {
  return error.issues.map((i) => (i.path.length > 0 ? `${i.path.join('.')}: ${i.message}` : i.message)).join('; ');
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new Error('body too large');
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8').trim();
  if (text === '') return {};
  try {
    return JSON.parse(text);
  } catch {
    throw new Error('the body is not JSON');
  }
}

function write(res: ServerResponse, reply: Reply): void {
  if (res.writableEnded || res.destroyed) return;
  res.writeHead(reply.status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(reply.body));
}
