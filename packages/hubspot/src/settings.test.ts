import { ValidationError } from '@crmkit/model';
import { describe, expect, it } from 'vitest';
import { type HubspotSettings, resolveSettings } from './settings';

const credentials = { type: 'token', token: 'pat-123' } as const;

function issuesOf(settings: unknown): string[] {
  try {
    resolveSettings(settings as HubspotSettings);
  } catch (error) {
    if (ValidationError.isInstance(error)) return error.issues.map((issue) => issue.pathString);
    throw error;
  }
  throw new Error('expected a ValidationError');
}

describe('settings', () => {
  it('applies the defaults', () => {
    const s = resolveSettings({ credentials });
    expect(s).toMatchObject({
      source: 'hubspot',
      baseUrl: 'https://api.hubapi.com',
      objects: ['contacts', 'companies', 'deals', 'notes', 'calls', 'meetings', 'tasks'],
      overlapMs: 300_000,
      pageSize: 100,
      searchPageSize: 200,
      searchResultCap: 10_000,
      allProperties: false,
    });
    expect(typeof s.now()).toBe('number');
  });

  it('keeps the sync order of objects and turns a numeric portal id into a string', () => {
    const s = resolveSettings({ credentials, objects: ['deals', 'contacts'], portalId: 62515 });
    expect(s.objects).toEqual(['contacts', 'deals']);
    expect(s.portalId).toBe('62515');
  });

  it('names the offending path of bad settings', () => {
    expect(issuesOf({ credentials: { type: 'token', token: '' } })).toEqual(['settings.credentials.token']);
    expect(issuesOf({ credentials: { type: 'basic' } })).toEqual(['settings.credentials.type']);
    expect(issuesOf({ credentials, baseUrl: 'not a url' })).toEqual(['settings.baseUrl']);
    expect(issuesOf({ credentials, objects: ['tickets'] })).toEqual(['settings.objects[0]']);
    expect(issuesOf({ credentials, pageSize: 500 })).toEqual(['settings.pageSize']);
    expect(issuesOf({ credentials, source: 'bad source' })).toEqual(['settings.source']);
    expect(issuesOf({ credentials, overlapMs: -1 })).toEqual(['settings.overlapMs']);
    expect(issuesOf({ credentials, extra: true })).toEqual(['settings']);
    expect(issuesOf({ credentials, http: { timeoutMs: 0 } })).toEqual(['settings.http.timeoutMs']);
  });

  it('validates the custom mapping', () => {
    expect(issuesOf({ credentials, mapping: { contacts: { 'bad name!': 'attributes.a.b' } } })).toEqual([
      'settings.mapping.contacts.bad name!',
    ]);
    expect(issuesOf({ credentials, mapping: { contacts: { tier: 'emails' } } })).toEqual([
      'settings.mapping.contacts.tier',
    ]);
    expect(issuesOf({ credentials, mapping: { contacts: { tier: 'attributes.hubspot.tier' } } })).toEqual([
      'settings.mapping.contacts.tier',
    ]);
    expect(issuesOf({ credentials, mapping: { deals: { a: 'attributes.x.y', b: 'attributes.x.y' } } })).toEqual([
      'settings.mapping.deals.b',
    ]);
    expect(resolveSettings({ credentials, mapping: { contacts: { tier: 'attributes.sales.tier' } } }).mapping).toEqual({
      contacts: { tier: 'attributes.sales.tier' },
    });
  });

  it('accepts OAuth 2 credentials with a token store and refresh function', () => {
    const tokenStore = { get: async () => undefined, set: async () => undefined };
    const s = resolveSettings({
      credentials: { type: 'oauth2', tokenStore, refresh: async () => ({ accessToken: 'a' }) },
    });
    expect(s.credentials.type).toBe('oauth2');
    expect(issuesOf({ credentials: { type: 'oauth2', tokenStore: {}, refresh: 1 } })).toEqual([
      'settings.credentials.tokenStore',
      'settings.credentials.refresh',
    ]);
  });
});
