/** Helpers shared by the sandbox tests (not exported from the package). */
import type { HubspotJson, HubspotSandbox } from './types';

/** A parsed response. */
export interface ApiResponse {
  status: number;
  headers: Headers;
  // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON
  body: any;
}

/** A tiny HubSpot client over fetch with the sandbox's token. */
export function apiClient(sandbox: HubspotSandbox, token = sandbox.accessToken) {
  return async (method: string, path: string, body?: HubspotJson, init: RequestInit = {}): Promise<ApiResponse> => {
    const res = await fetch(`${sandbox.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      ...init,
    });
    const text = await res.text();
    return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined };
  };
}
