import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * Wire helpers of the fake Bot API: reading a request's parameters the ways
 * clients send them, and answering in the Bot API envelope.
 */

export type Params = Record<string, unknown>;

const MAX_BODY = 1 << 20;

/** Reads query string plus body: urlencoded, JSON or multipart, as a Bot API server accepts. */
export async function readParams(req: IncomingMessage): Promise<Params> {
  const url = new URL(req.url ?? '/', 'http://fake.invalid');
  const params: Params = Object.fromEntries(url.searchParams);
  const body = await readBody(req);
  if (body.length === 0) return params;
  const type = (req.headers['content-type'] ?? '').toLowerCase();
  if (type.startsWith('application/json')) {
    const parsed: unknown = JSON.parse(body.toString('utf8'));
    if (parsed && typeof parsed === 'object') Object.assign(params, parsed);
    return params;
  }
  if (type.startsWith('application/x-www-form-urlencoded') || type.startsWith('multipart/form-data')) {
    // The web-standard Request parses both form encodings, files included.
    const form = await new Request('http://fake.invalid/', { method: 'POST', headers: { 'content-type': type }, body }).formData();
    for (const [key, value] of form) {
      params[key] = typeof value === 'string' ? value : { file: value.name, size: value.size };
    }
    return params;
  }
  throw new Error(`unsupported content-type ${type || '(none)'}`);
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new Error('request body too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** Structured fields arrive as JSON strings in form encodings (reply_markup); objects in JSON bodies. */
export function jsonField(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

export function numberField(value: unknown): number | undefined {
  if (value === undefined || value === '') return undefined;
  const n = Number(value);
  return Number.isFinite(n) ? n : undefined;
}

export function reply(res: ServerResponse, status: number, body: unknown): void {
  if (res.writableEnded || res.destroyed) return;
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { 'content-type': typeof body === 'string' ? 'text/html' : 'application/json' });
  res.end(text);
}

export function ok(res: ServerResponse, result: unknown): void {
  reply(res, 200, { ok: true, result });
}

export function apiError(res: ServerResponse, code: number, description: string, parameters?: Params): void {
  reply(res, code, { ok: false, error_code: code, description, ...(parameters ? { parameters } : {}) });
}

export function chatOf(chatId: number | string): { id: number; type: string } {
  const id = Number(chatId);
  return { id, type: id < 0 ? 'supergroup' : 'private' };
}

/** A refused call, with the description sent back (recorded on the call). */
export type Outcome = 'ok' | { refused: string };

export function fail(res: ServerResponse, why: string): Outcome {
  return refuse(res, `Bad Request: ${why}`);
}

export function refuse(res: ServerResponse, description: string): Outcome {
  apiError(res, 400, description);
  return { refused: description };
}
