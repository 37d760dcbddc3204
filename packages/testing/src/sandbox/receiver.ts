/**
 * A local webhook receiver for tests: an HTTP server on 127.0.0.1 that hands every delivery, as the runtime-neutral
 * `WebhookRequest` of `@crmkit/model` (raw body, lower-case headers, full URL), to a handler and answers with the
 * status the handler returns (500 when it throws).
 *
 * @module
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { WebhookRequest } from '@crmkit/model';

/** A running {@link startWebhookReceiver}. */
export interface WebhookReceiver {
  /** Base URL, e.g. `http://127.0.0.1:51234` (no trailing slash). */
  readonly url: string;
  /** Closes the server and its open connections. */
  close(): Promise<void>;
}

/**
 * Starts a webhook receiver that calls `handle` for each delivery and answers with the status it resolves to.
 *
 * @example
 * ```ts
 * const receiver = await startWebhookReceiver((request) => sync.handleWebhook(request).then((r) => r.status));
 * sandbox.webhooks.subscribe({ url: `${receiver.url}/hooks`, clientSecret });
 * ```
 */
export async function startWebhookReceiver(
  handle: (request: WebhookRequest) => Promise<number> | number,
): Promise<WebhookReceiver> {
  let base = '';
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(req.headers)) {
        if (typeof value === 'string') headers[name] = value;
        else if (Array.isArray(value)) headers[name] = value.join(', ');
      }
      const request: WebhookRequest = {
        method: req.method ?? 'POST',
        url: `${base}${req.url ?? '/'}`,
        headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      Promise.resolve()
        .then(() => handle(request))
        .then(
          (status) => res.writeHead(status).end(),
          () => res.writeHead(500).end(),
        );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: base,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
