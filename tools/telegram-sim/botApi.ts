import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { answerProblem, markupProblem, textProblem } from './botApiLimits.ts';
import type { BotApiSimOptions, Failure, RecordedCall, SentMessage } from './botApiTypes.ts';
import { UpdateQueue } from './botApiUpdates.ts';
import { apiError, chatOf, fail, jsonField, numberField, type Outcome, ok, type Params, readParams, refuse, reply } from './botApiWire.ts';

/**
 * A Telegram Bot API stand-in on loopback (S7.2), good enough for the real
 * node-telegram-bot-api client: /bot<token>/<method>, the Bot API envelope,
 * getUpdates long polling with offsets, the API's limits (botApiLimits.ts),
 * and switchable failures. `phoenix telegram-sim` runs it as a process with
 * a control channel; tests start it in process.
 */

export type { BotApiSimOptions, Failure, RecordedCall, SentMessage } from './botApiTypes.ts';

export class BotApiSim {
  readonly calls: RecordedCall[] = [];
  readonly messages: SentMessage[] = [];
  readonly edits: { chat_id: string; message_id: number; text: string; reply_markup?: unknown; at: number }[] = [];
  readonly answers: { callback_query_id: string; text?: string; show_alert: boolean; at: number }[] = [];
  private readonly updates = new UpdateQueue();
  private readonly hung = new Set<ServerResponse>();
  private failure: { failure: Failure; methods?: string[]; times?: number } | undefined;
  private nextMessageId = 1;
  private nextCallbackId = 1;
  private server: Server;
  private port = 0;

  private constructor(private readonly options: BotApiSimOptions) {
    this.server = this.newServer();
  }

  static async start(options: BotApiSimOptions & { port?: number }): Promise<BotApiSim> {
    const sim = new BotApiSim(options);
    sim.port = options.port ?? 0;
    await sim.startListening();
    return sim;
  }

  /** True while the API port takes connections (false after stopListening: connection refused). */
  get listening(): boolean {
    return this.server.listening;
  }

  get apiPort(): number {
    return this.port;
  }

  /** The failure switched on now, if any. */
  get activeFailure(): { failure: Failure; methods?: string[]; times?: number } | undefined {
    return this.failure;
  }

  get apiRoot(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Successful sendMessage texts, in order. */
  get texts(): string[] {
    return this.messages.map((m) => m.text);
  }

  /** Makes matching calls fail until cleared (or `times` calls have failed). Omit methods for every method. */
  failWith(failure: Failure | undefined, scope: { methods?: string[]; times?: number } = {}): void {
    this.failure = failure ? { failure, ...scope } : undefined;
    if (!failure) for (const res of this.hung) res.destroy();
  }

  injectMessage(m: { chatId: number | string; userId: number; text: string; username?: string }): number {
    const text = m.text;
    const command = /^\/\S+/.exec(text);
    return this.enqueue({
      message: {
        message_id: this.nextMessageId++,
        date: this.seconds(),
        chat: chatOf(m.chatId),
        from: { id: m.userId, is_bot: false, first_name: 'Test', ...(m.username ? { username: m.username } : {}) },
        text,
        ...(command ? { entities: [{ type: 'bot_command', offset: 0, length: command[0].length }] } : {}),
      },
    });
  }

  injectCallback(c: { chatId: number | string; userId: number; data: string; messageId: number }): string {
    const id = `cb-${this.nextCallbackId++}`;
    const original = this.edits.findLast((e) => e.message_id === c.messageId) ?? this.messages.find((m) => m.message_id === c.messageId);
    this.enqueue({
      callback_query: {
        id,
        from: { id: c.userId, is_bot: false, first_name: 'Test' },
        chat_instance: 'fake-instance',
        data: c.data,
        message: { message_id: c.messageId, date: this.seconds(), chat: chatOf(c.chatId), text: original?.text ?? '' },
      },
    });
    return id;
  }

  /** Queues a payload as given (plus an update_id unless it brings one): for testing what a client does with nonsense. */
  injectRaw(payload: Record<string, unknown>): void {
    this.updates.push(payload);
  }

  /** Requests being held open right now by a 'hang' failure. */
  get hanging(): number {
    return this.hung.size;
  }

  get pendingUpdates(): number {
    return this.updates.length;
  }

  /** Connection refused: stops listening and drops every open connection. */
  async stopListening(): Promise<void> {
    this.updates.abandonPolls();
    this.hung.clear();
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  /** Listens again, on the same port as before once one was chosen. */
  async startListening(): Promise<void> {
    this.server = this.newServer();
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (this.server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    if (this.server.listening) await this.stopListening();
  }

  /**
   * Until a bot has begun live polling: a getUpdates after its first, which
   * drops whatever was pending (offset -1). A message injected before that
   * is dropped too, as a real bot's start drops stale commands. `since`
   * counts only calls from that index on (a restarted bot).
   */
  async waitForLivePolling(since = 0, timeoutMs = 10_000): Promise<void> {
    const live = () => this.calls.slice(since).some((c) => c.method === 'getUpdates' && c.outcome === 'ok' && String(c.params.offset) !== '-1');
    await this.waitFor(live, timeoutMs, 'the bot to begin live polling');
  }

  /** Polls (real time) until the predicate holds. */
  async waitFor(predicate: () => boolean, timeoutMs = 5_000, what = 'condition'): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate()) {
      if (Date.now() > deadline) throw new Error(`fake Bot API: timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  private newServer(): Server {
    const server = createServer((req, res) => {
      this.handle(req, res).catch((err: Error) => apiError(res, 400, `Bad Request: ${err.message}`));
    });
    server.keepAliveTimeout = 1_000;
    return server;
  }

  private now(): number {
    return this.options.now?.() ?? Date.now();
  }

  private seconds(): number {
    return Math.floor(this.now() / 1000);
  }

  private enqueue(payload: Record<string, unknown>): number {
    return this.updates.push(payload);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const match = /^\/bot([^/]+)\/([A-Za-z]+)$/.exec(new URL(req.url ?? '/', 'http://fake.invalid').pathname);
    if (!match) return apiError(res, 404, 'Not Found');
    const params = await readParams(req);
    const method = match[2]!;
    const call: RecordedCall = { method, params, at: this.now(), outcome: 'ok' };
    this.calls.push(call);
    if (this.options.token === undefined ? !/^\d+:[A-Za-z0-9_-]{20,}$/.test(match[1]!) : match[1] !== this.options.token) {
      call.outcome = 'error';
      return apiError(res, 401, 'Unauthorized');
    }
    const failure = this.failureFor(method);
    if (failure) {
      call.outcome = failure.kind === 'hang' ? 'hung' : 'failed';
      if (failure.kind === 'hang') {
        this.hung.add(res);
        res.on('close', () => this.hung.delete(res));
        return;
      }
      if (failure.kind === '429') {
        return apiError(res, 429, `Too Many Requests: retry after ${failure.retryAfter}`, { retry_after: failure.retryAfter });
      }
      return reply(res, failure.status ?? 502, '<html><body>502 Bad Gateway</body></html>');
    }
    const outcome = this.dispatch(method, params, res);
    if (outcome !== 'ok') {
      call.outcome = 'error';
      call.refused = outcome.refused;
    }
  }

  private failureFor(method: string): Failure | undefined {
    const f = this.failure;
    if (!f || (f.methods && !f.methods.includes(method))) return undefined;
    if (f.times !== undefined) {
      f.times -= 1;
      if (f.times <= 0) this.failure = undefined;
    }
    return f.failure;
  }

  private dispatch(method: string, p: Params, res: ServerResponse): Outcome {
    switch (method) {
      case 'getMe':
        ok(res, { id: 4242, is_bot: true, first_name: 'Phoenix (fake)', username: 'phoenix_fake_bot' });
        return 'ok';
      case 'sendMessage':
        return this.sendMessage(p, res);
      case 'editMessageText':
        return this.editMessageText(p, res);
      case 'answerCallbackQuery': {
        if (typeof p.callback_query_id !== 'string') return fail(res, 'callback_query_id is required');
        const tooLong = answerProblem(p.text);
        if (tooLong) return refuse(res, tooLong);
        this.answers.push({
          callback_query_id: p.callback_query_id,
          ...(typeof p.text === 'string' ? { text: p.text } : {}),
          show_alert: p.show_alert === true || p.show_alert === 'true',
          at: this.now(),
        });
        ok(res, true);
        return 'ok';
      }
      case 'getUpdates':
        this.updates.getUpdates(p, res);
        return 'ok';
      case 'deleteWebhook':
        if (p.drop_pending_updates === true || p.drop_pending_updates === 'true') this.updates.clear();
        ok(res, true);
        return 'ok';
      default:
        apiError(res, 404, 'Not Found: method not found');
        return { refused: 'Not Found: method not found' };
    }
  }

  private sendMessage(p: Params, res: ServerResponse): Outcome {
    const text = typeof p.text === 'string' ? p.text : '';
    if (p.chat_id === undefined) return fail(res, 'chat_id is empty');
    const markup = jsonField(p.reply_markup);
    const problem = textProblem(text) ?? markupProblem(markup);
    if (problem) return refuse(res, problem);
    const chat_id = String(p.chat_id);
    const message = { message_id: this.nextMessageId++, chat_id, text, at: this.now() };
    this.messages.push(markup === undefined ? message : { ...message, reply_markup: markup });
    ok(res, { message_id: message.message_id, date: this.seconds(), chat: chatOf(chat_id), text });
    return 'ok';
  }

  private editMessageText(p: Params, res: ServerResponse): Outcome {
    const id = numberField(p.message_id);
    const text = typeof p.text === 'string' ? p.text : '';
    const original = this.messages.find((m) => m.message_id === id && m.chat_id === String(p.chat_id));
    if (!original) return fail(res, 'message to edit not found');
    const markup = jsonField(p.reply_markup);
    const problem = textProblem(text) ?? markupProblem(markup);
    if (problem) return refuse(res, problem);
    this.edits.push({ chat_id: original.chat_id, message_id: original.message_id, text, at: this.now(), ...(markup === undefined ? {} : { reply_markup: markup }) });
    ok(res, { message_id: original.message_id, date: this.seconds(), chat: chatOf(original.chat_id), text });
    return 'ok';
  }
}
