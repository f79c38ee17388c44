import type { IncomingMessage, ServerResponse } from 'node:http';

// The few HTTP helpers both of a region app's listeners share.

/** The request body as text. */
export function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => {
      body += c;
    });
    req.on('end', () => resolve(body));
    req.on('error', reject);
  });
}

/** A JSON body; an empty body reads as `{}`. Throws on anything else that is not JSON. */
export function parseJson(text: string): unknown {
  if (text.trim() === '') return {};
  return JSON.parse(text);
}

/** The request body as JSON, or undefined when it is not JSON. */
export async function readJson(req: IncomingMessage): Promise<{ ok: true; body: unknown } | { ok: false }> {
  try {
    return { ok: true, body: parseJson(await readBody(req)) };
  } catch {
    return { ok: false };
  }
}

/** Answers JSON with the app's stamp headers (`x-served-by`, `x-app-version`). */
export function sendJson(res: ServerResponse, status: number, body: unknown, stamp: { region: string; version: string }): void {
  res.writeHead(status, { 'content-type': 'application/json', 'x-served-by': stamp.region, 'x-app-version': stamp.version });
  res.end(JSON.stringify(body));
}

/** An async handler as a request listener: a thrown error answers 500, or breaks the response when it has begun. */
export function guarded(
  handler: (req: IncomingMessage, res: ServerResponse) => Promise<void>,
  onError: (res: ServerResponse, err: unknown) => void,
): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    handler(req, res).catch((err: unknown) => {
      if (!res.headersSent) onError(res, err);
      else res.destroy();
    });
  };
}
