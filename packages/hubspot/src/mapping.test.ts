import { parseSourceRecord } from '@crmkit/model';
import { describe, expect, it } from 'vitest';
import {
  associationsFromV3,
  type HubspotObject,
  hubspotOwnerIdOf,
  toCountryCode,
  toDate,
  toHubspotProperties,
  toSourceRecord,
  toTimestamp,
  toTombstone,
} from './mapping';

const context = { source: 'hubspot' };
const updatedAt = '2026-03-01T10:00:00.000Z';

function mapOk(type: Parameters<typeof toSourceRecord>[0], object: HubspotObject, ctx = context) {
  const result = toSourceRecord(type, object, associationsFromV3(object), ctx);
  if (!result.ok) throw new Error(result.report.message);
  // Every mapped record passes the model's validation.
  parseSourceRecord(result.record);
  return result.record as { type: string; externalId: string; observedAt: string; data: Record<string, unknown> };
}

describe('read mapping: contacts -> person', () => {
  const contact: HubspotObject = {
    id: '51',
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt,
    properties: {
      hs_object_id: '51',
      firstname: 'Ada',
      lastname: 'Lovelace',
      email: 'ada@example.com',
      hs_additional_emails: 'ada@old.example.com;countess@example.org',
      phone: '+44 20 7946 0000',
      mobilephone: '+44 7700 900000',
      jobtitle: 'Analyst',
      company: 'Analytical Engines Ltd',
      address: '12 St James Square',
      city: 'London',
      zip: 'SW1Y 4JH',
      state: 'Greater London',
      country: 'United Kingdom',
      lifecyclestage: 'customer',
      hubspot_owner_id: '1001',
      createdate: '2026-01-01T00:00:00.000Z',
      lastmodifieddate: updatedAt,
      hs_lead_status: 'OPEN',
      favourite_colour: 'green',
      empty_one: '',
    },
    associations: {
      companies: {
        results: [
          { id: '900', type: 'contact_to_company_unlabeled' },
          { id: '901', type: 'contact_to_company_unlabeled' },
          { id: '901', type: 'contact_to_company' },
        ],
      },
    },
  };

  it('maps the standard properties, the primary company and the owner', () => {
    const record = mapOk('contacts', contact);
    expect(record).toMatchObject({ type: 'person', source: 'hubspot', externalId: '51', observedAt: updatedAt });
    expect(record.data).toMatchObject({
      givenName: 'Ada',
      familyName: 'Lovelace',
      jobTitle: 'Analyst',
      lifecycleStage: 'customer',
      ownerId: 'hubspot-owner-1001',
      emails: ['ada@example.com', 'ada@old.example.com', 'countess@example.org'],
      phones: [
        { value: '+44 20 7946 0000', label: 'work' },
        { value: '+44 7700 900000', label: 'mobile' },
      ],
      addresses: [
        {
          street: '12 St James Square',
          city: 'London',
          postalCode: 'SW1Y 4JH',
          region: 'Greater London',
          country: 'GB',
        },
      ],
      organization: { name: 'Analytical Engines Ltd', ref: { type: 'organization', externalId: '901' } },
    });
  });

  it('keeps every other property as raw vendor data under attributes.hubspot', () => {
    const record = mapOk('contacts', contact);
    expect(record.data.attributes).toEqual({
      hubspot: {
        createdate: '2026-01-01T00:00:00.000Z',
        lastmodifieddate: updatedAt,
        hs_lead_status: 'OPEN',
        favourite_colour: 'green',
      },
    });
  });

  it('keeps values the model cannot hold (bad email, unknown country) raw instead of failing the record', () => {
    const record = mapOk('contacts', {
      id: '52',
      updatedAt,
      properties: { email: 'not-an-email', country: 'Atlantis', firstname: 'Bo' },
    });
    expect(record.data.emails).toBeUndefined();
    expect(record.data.attributes).toEqual({ hubspot: { email: 'not-an-email', country: 'Atlantis' } });
  });

  it('applies a custom mapping to its model path (and does not keep the property raw)', () => {
    const record = mapOk(
      'contacts',
      { id: '53', updatedAt, properties: { loyalty_tier: 'gold', firstname: 'Cy', other: 'x' } },
      { source: 'hubspot', mapping: { contacts: { loyalty_tier: 'attributes.sales.loyaltyTier' } } } as never,
    );
    expect(record.data.attributes).toEqual({ sales: { loyaltyTier: 'gold' }, hubspot: { other: 'x' } });
  });

  it('uses updatedAt as observedAt, and the last-modified property without it', () => {
    const record = mapOk('contacts', {
      id: '54',
      properties: { firstname: 'Di', lastmodifieddate: '1767225600000' },
    });
    expect(record.observedAt).toBe('2026-01-01T00:00:00.000Z');
  });
});

describe('read mapping: companies -> organization', () => {
  it('maps name, domain, employees, phone and address', () => {
    const record = mapOk('companies', {
      id: '901',
      updatedAt,
      properties: {
        name: 'Analytical Engines Ltd',
        domain: 'engines.example',
        industry: 'COMPUTER_SOFTWARE',
        numberofemployees: '42',
        phone: '+44 20 7946 0001',
        city: 'London',
        country: 'GB',
        hubspot_owner_id: '7',
        annualrevenue: '1000000',
      },
    });
    expect(record).toMatchObject({ type: 'organization', externalId: '901' });
    expect(record.data).toEqual({
      name: 'Analytical Engines Ltd',
      domain: 'engines.example',
      industry: 'COMPUTER_SOFTWARE',
      employees: 42,
      phones: [{ value: '+44 20 7946 0001', label: 'work' }],
      addresses: [{ city: 'London', country: 'GB' }],
      ownerId: 'hubspot-owner-7',
      attributes: { hubspot: { annualrevenue: '1000000' } },
    });
  });

  it('falls back to the domain, then to "Company <id>" for the required name', () => {
    expect(mapOk('companies', { id: '1', updatedAt, properties: { domain: 'x.example' } }).data.name).toBe('x.example');
    expect(mapOk('companies', { id: '2', updatedAt, properties: {} }).data.name).toBe('Company 2');
  });
});

describe('read mapping: deals -> opportunity', () => {
  const deal = (properties: Record<string, string>, associations?: HubspotObject['associations']): HubspotObject => ({
    id: '700',
    updatedAt,
    properties: { dealname: 'Big deal', pipeline: 'default', dealstage: 'qualifiedtobuy', ...properties },
    associations: associations ?? { companies: { results: [{ id: '901', type: 'deal_to_company' }] } },
  });

  it('maps name, stage, amount, close date, owner, probability and the company as customer', () => {
    const record = mapOk(
      'deals',
      deal({
        amount: '1250.50',
        deal_currency_code: 'EUR',
        closedate: '2026-04-30T12:00:00.000Z',
        hubspot_owner_id: '1001',
        hs_deal_stage_probability: '0.4',
        hs_is_closed: 'false',
        hs_is_closed_won: 'false',
      }),
    );
    expect(record).toMatchObject({ type: 'opportunity', externalId: '700' });
    expect(record.data).toEqual({
      name: 'Big deal',
      customer: { type: 'organization', externalId: '901' },
      pipeline: 'default',
      stage: 'qualifiedtobuy',
      status: 'open',
      amount: { amount: '1250.50', currency: 'EUR' },
      closeDate: '2026-04-30',
      ownerId: 'hubspot-owner-1001',
      probability: 0.4,
    });
  });

  it('derives the status from hs_is_closed_won / hs_is_closed, or from the closed stage ids', () => {
    expect(mapOk('deals', deal({ hs_is_closed: 'true', hs_is_closed_won: 'true' })).data.status).toBe('won');
    expect(mapOk('deals', deal({ hs_is_closed: 'true', hs_is_closed_won: 'false' })).data.status).toBe('lost');
    expect(mapOk('deals', deal({ dealstage: 'closedwon' })).data.status).toBe('won');
    expect(mapOk('deals', deal({ dealstage: 'closedlost' })).data.status).toBe('lost');
  });

  it('uses the contact as customer without a company, and the default currency without a code', () => {
    const record = mapOk(
      'deals',
      deal({ amount: '10' }, { contacts: { results: [{ id: '51', type: 'deal_to_contact' }] } }),
      { source: 'hubspot', defaultCurrency: 'USD' } as never,
    );
    expect(record.data.customer).toEqual({ type: 'person', externalId: '51' });
    expect(record.data.amount).toEqual({ amount: '10', currency: 'USD' });
  });

  it('keeps an amount without any currency raw', () => {
    const record = mapOk('deals', deal({ amount: '10' }));
    expect(record.data.amount).toBeUndefined();
    expect(record.data.attributes).toEqual({ hubspot: { amount: '10' } });
  });

  it('reports a deal without associations (the model requires a customer) naming the id and path', () => {
    const result = toSourceRecord('deals', deal({}, {}), {}, context);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.report).toMatchObject({ objectType: 'deals', objectId: '700', path: 'record.data.customer' });
    expect(result.report.message).toContain('700');
  });
});

describe('read mapping: engagements -> interaction', () => {
  const associations = {
    contacts: { results: [{ id: '51', type: 'call_to_contact' }] },
    companies: { results: [{ id: '901', type: 'call_to_company' }] },
  };

  it('maps a note', () => {
    const record = mapOk('notes', {
      id: '5',
      updatedAt,
      properties: { hs_timestamp: '2026-02-01T09:00:00Z', hs_note_body: 'Met at the fair', hubspot_owner_id: '3' },
      associations,
    });
    expect(record).toMatchObject({ type: 'interaction', externalId: 'notes:5' });
    expect(record.data).toEqual({
      channel: 'other',
      direction: 'internal',
      occurredAt: '2026-02-01T09:00:00.000Z',
      activity: { kind: 'note', text: 'Met at the fair' },
      participants: [
        { ref: { type: 'person', externalId: '51' }, role: 'customer' },
        { ref: { type: 'organization', externalId: '901' }, role: 'customer' },
      ],
      attributes: { hubspot: { hubspot_owner_id: '3' } },
    });
  });

  it('maps a call with direction, duration and outcome', () => {
    const record = mapOk('calls', {
      id: '6',
      updatedAt,
      properties: {
        hs_timestamp: '1767258000000',
        hs_call_title: 'Renewal',
        hs_call_direction: 'INBOUND',
        hs_call_duration: '61500',
        hs_call_status: 'COMPLETED',
        hs_call_body: 'Wants a discount',
      },
      associations,
    });
    expect(record.externalId).toBe('calls:6');
    expect(record.data).toMatchObject({
      channel: 'phone',
      direction: 'inbound',
      subject: 'Renewal',
      occurredAt: '2026-01-01T09:00:00.000Z',
      activity: { kind: 'call', durationSeconds: 62, outcome: 'COMPLETED' },
      attributes: { hubspot: { hs_call_body: 'Wants a discount' } },
    });
    expect((record.data.participants as { role: string }[])[0]!.role).toBe('from');
  });

  it('maps a meeting and a task', () => {
    const meeting = mapOk('meetings', {
      id: '7',
      updatedAt,
      properties: {
        hs_timestamp: '2026-02-02T10:00:00Z',
        hs_meeting_title: 'Kick-off',
        hs_meeting_start_time: '2026-02-02T10:00:00Z',
        hs_meeting_end_time: '2026-02-02T11:00:00Z',
      },
      associations,
    });
    expect(meeting.data).toMatchObject({
      channel: 'video',
      direction: 'outbound',
      subject: 'Kick-off',
      activity: { kind: 'meeting', startsAt: '2026-02-02T10:00:00.000Z', endsAt: '2026-02-02T11:00:00.000Z' },
    });
    expect((meeting.data.participants as { role: string }[])[0]!.role).toBe('attendee');
    const task = mapOk('tasks', {
      id: '8',
      updatedAt,
      properties: {
        hs_timestamp: '2026-02-03T10:00:00Z',
        hs_task_subject: 'Send offer',
        hs_task_status: 'COMPLETED',
        hs_task_priority: 'HIGH',
        hubspot_owner_id: '1001',
        hs_task_type: 'EMAIL',
      },
      associations,
    });
    expect(task.data).toMatchObject({
      channel: 'other',
      direction: 'internal',
      subject: 'Send offer',
      activity: {
        kind: 'task',
        status: 'done',
        priority: 'high',
        dueAt: '2026-02-03T10:00:00.000Z',
        assigneeId: 'hubspot-owner-1001',
      },
      attributes: { hubspot: { hs_task_type: 'EMAIL' } },
    });
  });

  it('reports an engagement without participants', () => {
    const result = toSourceRecord(
      'notes',
      { id: '9', updatedAt, properties: { hs_timestamp: updatedAt } },
      {},
      context,
    );
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.report).toMatchObject({ objectId: '9', path: 'record.data.participants' });
  });
});

describe('toTombstone', () => {
  it('builds a deleted record with the engagement prefix', () => {
    expect(toTombstone('calls', '6', updatedAt, 'hs')).toEqual({
      type: 'interaction',
      source: 'hs',
      externalId: 'calls:6',
      observedAt: updatedAt,
      deleted: true,
    });
  });
});

describe('value helpers', () => {
  it('reads timestamps, dates and countries', () => {
    expect(toTimestamp('1767225600000')).toBe('2026-01-01T00:00:00.000Z');
    expect(toTimestamp('2026-01-01T01:00:00+01:00')).toBe('2026-01-01T00:00:00.000Z');
    expect(toTimestamp('nope')).toBeUndefined();
    expect(toDate('2026-04-30T23:00:00Z')).toBe('2026-04-30');
    expect(toDate('2026-04-30')).toBe('2026-04-30');
    expect(toCountryCode('nl')).toBe('NL');
    expect(toCountryCode('Germany')).toBe('DE');
    expect(toCountryCode('Atlantis')).toBeUndefined();
    expect(hubspotOwnerIdOf('hubspot-owner-12')).toBe('12');
    expect(hubspotOwnerIdOf('12')).toBe('12');
    expect(hubspotOwnerIdOf('user-12')).toBeUndefined();
  });
});

describe('write mapping: model fields -> HubSpot properties', () => {
  it('maps person fields', () => {
    const result = toHubspotProperties('contacts', {
      givenName: 'Ada',
      familyName: 'Lovelace',
      emails: [{ value: 'ada@example.com' }],
      phones: ['+44 1', { value: '+44 7700 900000', label: 'mobile' }],
      jobTitle: 'Analyst',
      lifecycleStage: 'customer',
      ownerId: 'hubspot-owner-1001',
      addresses: [{ street: 'Main St', houseNumber: '1', city: 'Leeds', postalCode: 'LS1', country: 'GB' }],
      organization: { name: 'Engines', ref: { type: 'organization', externalId: '901' } },
    });
    expect(result.errors).toEqual([]);
    expect(result.properties).toEqual({
      firstname: 'Ada',
      lastname: 'Lovelace',
      email: 'ada@example.com',
      phone: '+44 1',
      mobilephone: '+44 7700 900000',
      jobtitle: 'Analyst',
      lifecyclestage: 'customer',
      hubspot_owner_id: '1001',
      address: 'Main St 1',
      city: 'Leeds',
      zip: 'LS1',
      state: '',
      country: 'GB',
      company: 'Engines',
    });
    expect(result.associations).toEqual([{ type: 'companies', id: '901' }]);
    expect(result.fields.emails).toEqual(['email']);
  });

  it('maps organization and opportunity fields', () => {
    expect(
      toHubspotProperties('companies', { name: 'Engines', domain: 'e.example', employees: 12, industry: 'RETAIL' })
        .properties,
    ).toEqual({ name: 'Engines', domain: 'e.example', numberofemployees: '12', industry: 'RETAIL' });
    const deal = toHubspotProperties(
      'deals',
      {
        name: 'Big deal',
        stage: 'closedwon',
        pipeline: 'default',
        amount: { amount: '99.5', currency: 'EUR' },
        closeDate: '2026-05-01',
        customer: { type: 'person', externalId: '51' },
      },
      { defaultCurrency: 'EUR' },
    );
    expect(deal.errors).toEqual([]);
    expect(deal.properties).toEqual({
      dealname: 'Big deal',
      dealstage: 'closedwon',
      pipeline: 'default',
      amount: '99.5',
      closedate: '2026-05-01',
    });
    expect(deal.associations).toEqual([{ type: 'contacts', id: '51' }]);
    expect(
      toHubspotProperties('deals', { amount: { amount: '1', currency: 'USD' } }, { defaultCurrency: 'EUR' }).properties,
    ).toEqual({ amount: '1', deal_currency_code: 'USD' });
  });

  it('maps engagement fields per kind', () => {
    const call = toHubspotProperties('calls', {
      subject: 'Renewal',
      direction: 'inbound',
      channel: 'phone',
      occurredAt: '2026-02-01T09:00:00Z',
      activity: { kind: 'call', durationSeconds: 60 },
      participants: [{ ref: { type: 'person', externalId: '51' }, role: 'from' }],
    });
    expect(call.errors).toEqual([]);
    expect(call.properties).toEqual({
      hs_call_title: 'Renewal',
      hs_call_direction: 'INBOUND',
      hs_timestamp: '2026-02-01T09:00:00.000Z',
      hs_call_duration: '60000',
    });
    expect(call.associations).toEqual([{ type: 'contacts', id: '51' }]);
    const task = toHubspotProperties('tasks', {
      subject: 'Offer',
      activity: { kind: 'task', status: 'done', priority: 'high', assigneeId: 'hubspot-owner-4' },
    });
    expect(task.properties).toEqual({
      hs_task_subject: 'Offer',
      hs_task_status: 'COMPLETED',
      hs_task_priority: 'HIGH',
      hubspot_owner_id: '4',
    });
    expect(toHubspotProperties('notes', { activity: { kind: 'note', text: 'Hi' } }).properties).toEqual({
      hs_note_body: 'Hi',
    });
  });

  it('reverses the custom mapping (nested attributes or dotted keys) and writes attributes.hubspot raw', () => {
    const mapping = { contacts: { loyalty_tier: 'attributes.sales.loyaltyTier', nick: 'salutation' } };
    expect(
      toHubspotProperties(
        'contacts',
        { attributes: { sales: { loyaltyTier: 'gold' }, hubspot: { hs_lead_status: 'OPEN' } }, salutation: 'Dr' },
        { mapping },
      ).properties,
    ).toEqual({ loyalty_tier: 'gold', hs_lead_status: 'OPEN', nick: 'Dr' });
    expect(
      toHubspotProperties('contacts', { 'attributes.sales.loyaltyTier': 'silver' }, { mapping }).properties,
    ).toEqual({ loyalty_tier: 'silver' });
  });

  it('names every field HubSpot cannot hold instead of dropping it', () => {
    const result = toHubspotProperties('contacts', {
      givenName: 'Ada',
      fullName: 'Ada Lovelace',
      shoeSize: 42,
      emails: ['a@example.com', 'b@example.com'],
      attributes: { sales: { tier: 'gold' } },
    });
    expect(result.errors.map((e) => e.field)).toEqual(['fullName', 'shoeSize', 'emails', 'attributes.sales.tier']);
    expect(toHubspotProperties('deals', { status: 'won' }).errors[0]!.field).toBe('status');
    expect(toHubspotProperties('calls', { activity: { kind: 'note' } }).errors[0]!.field).toBe('activity.kind');
    expect(toHubspotProperties('contacts', { ownerId: 'someone' }).errors[0]!.field).toBe('ownerId');
  });

  it('round-trips: a mapped record written back gives the same properties', () => {
    const object: HubspotObject = {
      id: '60',
      updatedAt,
      properties: { firstname: 'Eve', lastname: 'Adams', email: 'eve@example.com', jobtitle: 'CTO', tier: 'gold' },
    };
    const mapping = { contacts: { tier: 'attributes.sales.tier' } };
    const record = mapOk('contacts', object, { source: 'hubspot', mapping } as never);
    const back = toHubspotProperties('contacts', record.data as never, { mapping });
    expect(back.errors).toEqual([]);
    expect(back.properties).toEqual(object.properties);
  });
});
