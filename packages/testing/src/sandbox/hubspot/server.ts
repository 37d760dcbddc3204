/** The HubSpot sandbox: HTTP server, auth, rate limits, faults, exchange log and control API. */
import { randomUUID } from 'node:crypto';
import { type IncomingMessage, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RequestContext, SandboxState } from './context';
import { FaultInjector, emptyFaultStats } from './faults';
import { HubspotHttpError, iso, notFound } from './http-util';
import { type ObjectTypeInfo, defaultAssociationTypeId, resolveObjectType } from './object-types';
import { PropertyRegistry } from './properties';
import { DailyCounter, RollingRateLimiter } from './rate-limiter';
import { matchRoute } from './router';
import { seedStore } from './seed';
import { MonotonicClock, ObjectStore, type StoredObject, toHubspotObject } from './store';
import type {
  HubspotExchange,
  HubspotExchangeListener,
  HubspotJson,
  HubspotObject,
  HubspotOwner,
  HubspotSandbox,
  HubspotSandboxOptions,
  HubspotSandboxStats,
} from './types';
import { WebhookDispatcher } from './webhooks';

interface Reply {
  status: number;
  body?: HubspotJson;
  headers?: Record<string, string>;
}

function typeOrThrow(key: string): ObjectTypeInfo {
  const type = resolveObjectType(key);
  if (!type) throw new Error(`Unknown HubSpot object type: ${key}`);
  return type;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function errorReply(error: HubspotHttpError): Reply {
  return { status: error.status, body: error.body() };
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

/**
 * Starts a local HubSpot sandbox on 127.0.0.1: an HTTP server that behaves like HubSpot's CRM API (objects, batch,
 * search, associations v4, properties, owners, GDPR delete, rate limits, signed webhooks) plus a control API for
 * tests. Close it with `await sandbox.close()`.
 */
export async function createHubspotSandbox(options: HubspotSandboxOptions = {}): Promise<HubspotSandbox> {
  const accessToken = options.accessToken ?? 'sandbox-token';
  const portalId = options.portalId ?? 62515;
  const appId = options.appId ?? 1160452;
  const clock = new MonotonicClock(options.now ?? Date.now);
  const properties = new PropertyRegistry(clock.wall());
  const store = new ObjectStore(properties, clock);
  const owners: HubspotOwner[] = [];
  let url = '';
  const state: SandboxState = {
    store,
    properties,
    owners,
    baseUrl: () => url,
    nullProperties: options.nullProperties ?? true,
  };
  const faults = new FaultInjector();
  const limiter = new RollingRateLimiter(options.rateLimit ?? { max: 190, intervalMs: 10_000 });
  const searchLimiter = new RollingRateLimiter(options.searchRateLimit ?? { max: 5, intervalMs: 1000 });
  const daily = new DailyCounter(options.dailyLimit ?? 250_000);
  const webhooks = new WebhookDispatcher(
    {
      portalId,
      appId,
      flushIntervalMs: options.webhookFlushIntervalMs ?? 50,
      maxAttempts: options.webhookMaxAttempts ?? 5,
      retryBaseMs: options.webhookRetryBaseMs ?? 100,
      timeoutMs: options.webhookTimeoutMs ?? 5000,
    },
    faults,
  );
  store.onChange = (change) => webhooks.record(change);

  let stats = { requests: 0, byOperation: {} as Record<string, number>, throttled: 0 };
  const listeners = new Set<HubspotExchangeListener>();
  const held = new Set<ServerResponse>();
  let closed = false;

  const rateHeaders = (token: string, remainingDaily: number): Record<string, string> => ({
    'x-hubspot-ratelimit-max': String(limiter.limit.max),
    'x-hubspot-ratelimit-remaining': String(limiter.remaining(token)),
    'x-hubspot-ratelimit-interval-milliseconds': String(limiter.limit.intervalMs),
    'x-hubspot-ratelimit-daily': String(daily.max),
    'x-hubspot-ratelimit-daily-remaining': String(remainingDaily),
  });

  const rateLimitBody = (isSearch: boolean): HubspotJson => ({
    status: 'error',
    message: isSearch ? 'You have reached your secondly limit.' : 'You have reached your ten_secondly_rolling limit.',
    errorType: 'RATE_LIMIT',
    correlationId: randomUUID(),
    category: 'RATE_LIMITS',
    policyName: isSearch ? 'SECONDLY' : 'TEN_SECONDLY_ROLLING',
  });

  const count = (operation: string) => {
    stats.byOperation[operation] = (stats.byOperation[operation] ?? 0) + 1;
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readBody(req);
    const full = new URL(req.url ?? '/', 'http://sandbox');
    const path = full.pathname;
    const queryString = full.search.startsWith('?') ? full.search.slice(1) : '';
    const method = (req.method ?? 'GET').toUpperCase();
    let requestBody: HubspotJson | undefined;
    let bodyError: HubspotHttpError | undefined;
    if (raw.trim() !== '') {
      try {
        requestBody = JSON.parse(raw) as HubspotJson;
      } catch (error) {
        bodyError = new HubspotHttpError(
          400,
          'VALIDATION_ERROR',
          `Invalid input JSON on line 1: ${(error as Error).message}`,
        );
      }
    }
    stats.requests++;
    const reply = await dispatch(req, method, path, full.searchParams, requestBody, bodyError, res);
    if (reply === undefined) return; // held (timeout fault)
    const headers: Record<string, string> = { ...reply.headers };
    let text: string | undefined;
    if (reply.body !== undefined && reply.status !== 204) {
      text = JSON.stringify(reply.body);
      headers['content-type'] = 'application/json;charset=utf-8';
    }
    if (!res.destroyed) {
      res.writeHead(reply.status, headers);
      res.end(text);
    }
    if (listeners.size > 0) {
      const requestHeaders: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) {
        if (v !== undefined) requestHeaders[k] = Array.isArray(v) ? v.join(', ') : v;
      }
      const exchange: HubspotExchange = {
        method,
        path,
        query: queryString,
        requestHeaders,
        requestBody,
        status: reply.status,
        responseHeaders: headers,
        responseBody: text === undefined ? undefined : (JSON.parse(text) as HubspotJson),
      };
      for (const listener of listeners) {
        try {
          listener(exchange);
        } catch {
          // listeners must not break the server
        }
      }
    }
  }

  async function dispatch(
    req: IncomingMessage,
    method: string,
    path: string,
    query: URLSearchParams,
    body: HubspotJson | undefined,
    bodyError: HubspotHttpError | undefined,
    res: ServerResponse,
  ): Promise<Reply | undefined> {
    const auth = req.headers.authorization ?? '';
    const match = /^Bearer\s+(.+)$/i.exec(auth);
    if (!match || match[1]!.trim() !== accessToken) {
      count('unauthorized');
      return errorReply(
        new HubspotHttpError(
          401,
          'INVALID_AUTHENTICATION',
          match
            ? 'The OAuth token used to make this call expired or is not valid.'
            : 'Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview',
        ),
      );
    }
    const token = match[1]!.trim();
    const route = matchRoute(path);
    const isSearch = route?.search === true;
    // Rate limits (search has its own limit and no rate-limit headers).
    const window = isSearch ? searchLimiter.take(token) : limiter.take(token);
    const day = daily.take(token);
    const headers = isSearch ? {} : rateHeaders(token, day.remaining);
    if (!window.allowed || !day.allowed) {
      stats.throttled++;
      count(route ? `${route.operation}.throttled` : 'throttled');
      return {
        status: 429,
        headers,
        body: !day.allowed
          ? {
              status: 'error',
              message: 'You have reached your daily limit.',
              errorType: 'RATE_LIMIT',
              correlationId: randomUUID(),
              category: 'RATE_LIMITS',
              policyName: 'DAILY',
            }
          : rateLimitBody(isSearch),
      };
    }
    if (!route) {
      count('notFound');
      return { status: 404, headers, body: notFound(`No route found for ${method} ${path}.`).body() };
    }
    const handler = route.methods[method];
    if (!handler) {
      count('methodNotAllowed');
      return {
        status: 405,
        headers: { ...headers, allow: Object.keys(route.methods).join(', ') },
        body: new HubspotHttpError(405, 'METHOD_NOT_ALLOWED', `Method ${method} is not allowed on ${path}.`).body(),
      };
    }
    if (bodyError) {
      count(`${route.operation}.invalidJson`);
      return { ...errorReply(bodyError), headers };
    }
    const fault = faults.forRequest();
    if (fault.delayMs > 0) await sleep(fault.delayMs);
    if (fault.kind === 'rateLimit429') {
      stats.throttled++;
      count(`${route.operation}.throttled`);
      return { status: 429, headers, body: rateLimitBody(isSearch) };
    }
    const ctx: RequestContext = { method, path, query, body, version: route.version, source: 'INTEGRATION' };
    const run = (): Reply & { operation?: string } => {
      try {
        const result = handler(state, ctx);
        return { status: result.status, body: result.body, headers, operation: result.operation };
      } catch (error) {
        if (error instanceof HubspotHttpError) return { ...errorReply(error), headers };
        return {
          ...errorReply(new HubspotHttpError(500, 'INTERNAL_ERROR', `Internal error: ${(error as Error).message}`)),
          headers,
        };
      }
    };
    if (fault.kind === 'timeout' || fault.kind === 'error5xx') {
      const applied = fault.applyFirst === true;
      if (applied) {
        faults.stats.appliedBeforeFault++;
        const result = run();
        count(result.operation ?? route.operation);
      } else {
        count(route.operation);
      }
      if (fault.kind === 'timeout') {
        held.add(res);
        res.on('close', () => held.delete(res));
        return undefined;
      }
      const status = fault.status ?? 502;
      const messages: Record<number, string> = {
        500: 'internal error',
        502: 'Bad Gateway',
        503: 'Service Unavailable: the service is temporarily unavailable, please try again.',
      };
      return {
        status,
        headers,
        body: new HubspotHttpError(
          status,
          status === 500 ? 'INTERNAL_ERROR' : 'SERVICE_UNAVAILABLE',
          messages[status] ?? 'error',
        ).body(),
      };
    }
    const result = run();
    count(result.operation ?? route.operation);
    return { status: result.status, body: result.body, headers: result.headers };
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent && !res.destroyed) {
        res.writeHead(500, { 'content-type': 'application/json;charset=utf-8' });
        res.end(JSON.stringify(new HubspotHttpError(500, 'INTERNAL_ERROR', String(error)).body()));
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  url = `http://127.0.0.1:${address.port}`;

  const requireLive = (type: string, id: string): StoredObject => {
    const obj = store.get(typeOrThrow(type), id);
    if (!obj) throw new Error(`No live ${type} ${id}`);
    return obj;
  };

  const sandbox: HubspotSandbox = {
    url,
    portalId,
    accessToken,
    faults: {
      set: (config) => faults.set(config),
      clear: () => faults.clear(),
      current: () => faults.current(),
    },
    webhooks: {
      subscribe: (input) => webhooks.subscribe(input),
      flush: (flushOptions) => webhooks.flush(flushOptions),
      pending: () => webhooks.pending(),
    },
    createObject(type, props, createOptions = {}): HubspotObject {
      const info = typeOrThrow(type);
      const values = store.validate(info, props);
      const targets = (createOptions.associations ?? []).map((a) => {
        const toType = typeOrThrow(a.toType);
        const typeId = a.typeId ?? defaultAssociationTypeId(info.typeId, toType.typeId);
        if (typeId === undefined) throw new Error(`No default association from ${info.name} to ${toType.name}`);
        return { to: requireLive(toType.name, a.toId), typeId };
      });
      store.checkUnique(info, values);
      const obj = store.create(info, values, 'CRM_UI');
      for (const t of targets) store.associate(obj, t.to, t.typeId, 'CRM_UI');
      return toHubspotObject(obj);
    },
    updateObject(type, id, props): HubspotObject {
      const obj = requireLive(type, id);
      const values = store.validate(obj.type, props);
      store.checkUnique(obj.type, values, obj.id);
      store.update(obj, values, 'CRM_UI');
      return toHubspotObject(obj);
    },
    archiveObject(type, id): void {
      store.archive(requireLive(type, id), 'CRM_UI');
    },
    restoreObject(type, id): HubspotObject {
      const obj = store.get(typeOrThrow(type), id, true);
      if (!obj) throw new Error(`No archived ${type} ${id}`);
      store.restore(obj, 'CRM_UI');
      return toHubspotObject(obj);
    },
    getObject(type, id, readOptions = {}) {
      const obj = store.get(typeOrThrow(type), id, readOptions.archived === true);
      return obj ? toHubspotObject(obj) : undefined;
    },
    listObjects(type, readOptions = {}) {
      const archived = readOptions.archived === true;
      const out: HubspotObject[] = [];
      for (const obj of store.iterate(typeOrThrow(type))) {
        if ((obj.archivedAt !== undefined) === archived) out.push(toHubspotObject(obj));
      }
      return out;
    },
    associate(fromType, fromId, toType, toId, typeId): void {
      const from = requireLive(fromType, fromId);
      const to = requireLive(toType, toId);
      const id = typeId ?? defaultAssociationTypeId(from.type.typeId, to.type.typeId);
      if (id === undefined) throw new Error(`No default association from ${fromType} to ${toType}`);
      store.associate(from, to, id, 'CRM_UI');
    },
    associations(fromType, fromId, toType): string[] {
      const from = typeOrThrow(fromType);
      const to = typeOrThrow(toType);
      const id = Number(fromId);
      return store.associations.list(from.typeId, id, to.typeId).map((e) => String(e.toId));
    },
    defineProperty(type, definition): void {
      const info = typeOrThrow(type);
      properties.define(info, { hubspotDefined: false, ...definition }, clock.tick());
      if (definition.hasUniqueValue) store.reindex(info, definition.name);
    },
    addOwner(input): HubspotOwner {
      const now = iso(clock.wall());
      const n = owners.length + 1;
      const owner: HubspotOwner = {
        id: input.id ?? String(100_000 + n),
        email: input.email,
        firstName: input.firstName ?? '',
        lastName: input.lastName ?? '',
        userId: input.userId ?? 9_000_000 + n,
        archived: input.archived ?? false,
        createdAt: now,
        updatedAt: now,
      };
      owners.push(owner);
      return { ...owner };
    },
    seed: (input) => seedStore(store, input),
    stats(): HubspotSandboxStats {
      return {
        requests: stats.requests,
        byOperation: { ...stats.byOperation },
        throttled: stats.throttled,
        faults: { ...faults.stats },
        webhooksDelivered: webhooks.counters.delivered,
        webhookAttempts: webhooks.counters.attempts,
        webhookFailures: webhooks.counters.failures,
        webhooksGivenUp: webhooks.counters.givenUp,
      };
    },
    resetStats(): void {
      stats = { requests: 0, byOperation: {}, throttled: 0 };
      faults.stats = emptyFaultStats();
      webhooks.counters = { delivered: 0, attempts: 0, failures: 0, givenUp: 0 };
    },
    onExchange(listener) {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      await webhooks.close();
      for (const res of held) res.destroy();
      held.clear();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
  return sandbox;
}
