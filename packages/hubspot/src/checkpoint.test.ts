import { InvalidArgumentError } from '@crmkit/model';
import { describe, expect, it } from 'vitest';
import { decodeCheckpoint, encodeCheckpoint, type HubspotCheckpoint } from './checkpoint';

describe('checkpoints', () => {
  it('round-trips full and incremental checkpoints as base64url strings', () => {
    const full: HubspotCheckpoint = {
      v: 1,
      mode: 'full',
      types: ['contacts', 'deals'],
      index: 1,
      after: 'abc+/=',
      passStartedAt: '2026-03-01T10:00:00.000Z',
    };
    const incremental: HubspotCheckpoint = {
      v: 1,
      mode: 'incremental',
      since: { contacts: '2026-03-01T09:55:00.000Z', calls: '2026-03-01T09:00:00.000Z' },
    };
    for (const checkpoint of [full, incremental]) {
      const encoded = encodeCheckpoint(checkpoint);
      expect(encoded).toMatch(/^[A-Za-z0-9_-]+$/);
      expect(decodeCheckpoint(encoded)).toEqual(checkpoint);
    }
  });

  it('refuses malformed checkpoints with InvalidArgumentError', () => {
    const bad = [
      'not base64!',
      encodeCheckpointRaw('{"v":1'),
      encodeCheckpointRaw(JSON.stringify({ v: 2, mode: 'incremental', since: {} })),
      encodeCheckpointRaw(JSON.stringify({ v: 1, mode: 'incremental', since: { tickets: '2026-01-01T00:00:00Z' } })),
      encodeCheckpointRaw(JSON.stringify({ v: 1, mode: 'full', types: ['contacts'], index: 5, passStartedAt: 'x' })),
      encodeCheckpointRaw(
        JSON.stringify({ v: 1, mode: 'full', types: ['contacts'], index: 3, passStartedAt: '2026-01-01T00:00:00Z' }),
      ),
    ];
    for (const value of bad) {
      let error: unknown;
      try {
        decodeCheckpoint(value);
      } catch (caught) {
        error = caught;
      }
      expect(InvalidArgumentError.isInstance(error), value).toBe(true);
      expect((error as InvalidArgumentError).argument).toBe('checkpoint');
    }
  });
});

function encodeCheckpointRaw(text: string): string {
  return Buffer.from(text).toString('base64url');
}
