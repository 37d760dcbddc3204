/**
 * Threat 6 (issue 13): overrides skipped validation. `setOverride` now checks the field name against the golden
 * fields of the customer's kind and the value against the model's schema, the plugins' field schemas (namespaced
 * `attributes.<plugin>.<field>`), the input limits and the time bounds; nothing is stored (or written back) when a
 * check fails.
 */
import { definePlugin, type SourceRecordInput, ValidationError } from '@crmkit/model';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createHub } from '../hub';

const NOW = new Date('2026-06-01T12:00:00Z');
const sales = definePlugin({
  name: 'sales',
  version: '1.0.0',
  fields: { person: { tier: z.enum(['gold', 'silver']) } },
});

async function setup() {
  const hub = createHub({ now: () => NOW, plugins: [sales] });
  await hub.ingest([
    {
      type: 'person',
      source: 'crm',
      externalId: 'p1',
      observedAt: '2026-05-01T00:00:00Z',
      data: { givenName: 'Ada', birthDate: '1815-12-10' },
    } as SourceRecordInput,
    {
      type: 'organization',
      source: 'crm',
      externalId: 'o1',
      observedAt: '2026-05-01T00:00:00Z',
      data: { name: 'Acme' },
    } as SourceRecordInput,
  ]);
  const ada = (await hub.find({ name: 'Ada' }))[0]!.id;
  const acme = (await hub.find({ name: 'Acme' }))[0]!.id;
  return { hub, ada, acme };
}

/** The `ValidationError` the operation rejects with (the test fails when it resolves or throws anything else). */
const refusal = async (promise: Promise<unknown>): Promise<ValidationError> => {
  const error = await promise.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toSatisfy(ValidationError.isInstance);
  return error as ValidationError;
};

describe('threat 6: overrides are validated', () => {
  it('refuses a value the model schema refuses (birthDate "not-a-date"), and stores nothing', async () => {
    const { hub, ada } = await setup();
    const error = await refusal(hub.setOverride(ada, 'birthDate', 'not-a-date'));
    expect(error).toMatchObject({ code: 'VALIDATION_FAILED', path: ['value'] });
    expect((await hub.get(ada))!.golden.fields.birthDate?.value).toBe('1815-12-10');
    expect((await refusal(hub.setOverride(ada, 'birthDate', '2999-01-01'))).issues[0]!.issueCode).toBe(
      'time_out_of_range',
    );
    expect((await refusal(hub.setOverride(ada, 'jobTitle', 'x'.repeat(300)))).path).toEqual(['value']);
    expect((await refusal(hub.setOverride(ada, 'givenName', 42))).path).toEqual(['value']);
  });

  it('refuses unknown and 100,000-character field names, with a short message', async () => {
    const { hub, ada, acme } = await setup();
    expect((await refusal(hub.setOverride(ada, 'shoeSize', '42'))).path).toEqual(['field']);
    expect((await refusal(hub.setOverride(acme, 'birthDate', '1990-01-01'))).path).toEqual(['field']);
    const long = await refusal(hub.setOverride(ada, 'a'.repeat(100_000), 'v'));
    expect(long.path).toEqual(['field']);
    expect(long.message.length).toBeLessThan(500);
  });

  it('checks plugin fields with the plugin schema, in its namespace', async () => {
    const { hub, ada } = await setup();
    expect((await refusal(hub.setOverride(ada, 'attributes.sales.tier', 'platinum'))).path).toEqual(['value']);
    expect((await refusal(hub.setOverride(ada, 'attributes.sales.unknown', 'x'))).path).toEqual(['field']);
    expect((await refusal(hub.setOverride(ada, 'attributes.sales', { tier: 'gold' }))).path).toEqual(['field']);
    const customer = await hub.setOverride(ada, 'attributes.sales.tier', 'gold');
    expect(customer.golden.fields['attributes.sales.tier']?.value).toBe('gold');
  });

  it('refuses a deeply nested override value with a typed error, and plugin field text no store can keep', async () => {
    const { hub, ada } = await setup();
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = { x: deep };
    const error = await refusal(hub.setOverride(ada, 'attributes.segment', deep as never));
    expect(error.issues[0]!.issueCode).toBe('too_deep');
    const nul = await refusal(hub.setFields(ada, 'sales', { tier: 'gold\u0000' }));
    expect(nul.issues[0]).toMatchObject({ pathString: 'values.attributes.sales.tier', issueCode: 'invalid_text' });
  });

  it('accepts valid overrides of model fields and free attributes, within the limits', async () => {
    const { hub, ada, acme } = await setup();
    expect((await hub.setOverride(ada, 'birthDate', '1815-12-11')).golden.fields.birthDate?.value).toBe('1815-12-11');
    expect((await hub.setOverride(acme, 'employees', 12)).golden.fields.employees?.value).toBe(12);
    expect(
      (await hub.setOverride(ada, 'attributes.segment', { a: [1, 2] })).golden.fields['attributes.segment']?.value,
    ).toEqual({
      a: [1, 2],
    });
    expect((await refusal(hub.setOverride(ada, 'attributes.note', 'bad\u0000text'))).issues[0]!.issueCode).toBe(
      'invalid_text',
    );
  });
});
