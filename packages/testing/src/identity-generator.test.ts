import { describe, expect, it } from 'vitest';
import { truePairCount } from './identity-datasets';
import { generateIdentities, syntheticIdentities } from './identity-generator';

describe('generateIdentities', () => {
  const { records, entityOf } = syntheticIdentities({ entities: 5000, seed: 11 });

  it('is deterministic per seed and differs between seeds', () => {
    const again = syntheticIdentities({ entities: 5000, seed: 11 });
    expect(again.records).toEqual(records);
    expect([...again.entityOf]).toEqual([...entityOf]);
    const other = syntheticIdentities({ entities: 5000, seed: 12 });
    expect(other.records).not.toEqual(records);
  });

  it('gives every entity 1 + k records with k near the requested mean, and unique ids p<n> in order', () => {
    const sizes = new Map<string, number>();
    for (const entity of entityOf.values()) sizes.set(entity, (sizes.get(entity) ?? 0) + 1);
    expect(sizes.size).toBe(5000);
    expect(Math.max(...sizes.values())).toBeLessThanOrEqual(6);
    const extra = records.length / 5000 - 1;
    expect(extra).toBeGreaterThan(0.5);
    expect(extra).toBeLessThan(0.7);
    expect(records.map((r) => r.id)).toEqual(records.map((_, i) => `p${i}`));
    expect(entityOf.size).toBe(records.length);
    expect(truePairCount(entityOf)).toBeGreaterThan(2000);
  });

  it('honours duplicates.mean/max and sources', () => {
    const none = syntheticIdentities({ entities: 300, seed: 1, duplicates: { mean: 0 } });
    expect(none.records).toHaveLength(300);
    const many = syntheticIdentities({ entities: 300, seed: 1, duplicates: { mean: 2, max: 3 }, sources: ['a', 'b'] });
    const sizes = new Map<string, number>();
    for (const entity of many.entityOf.values()) sizes.set(entity, (sizes.get(entity) ?? 0) + 1);
    expect(Math.max(...sizes.values())).toBe(4);
    expect(many.records.length / 300).toBeGreaterThan(2.6);
    expect(many.records.length / 300).toBeLessThan(3.4);
    expect(new Set(many.records.map((r) => r.source))).toEqual(new Set(['a', 'b']));
    expect(() => [...generateIdentities({ entities: 1, sources: [] })]).toThrow(RangeError);
    expect(() => [...generateIdentities({ entities: 1, duplicates: { mean: 3, max: 2 } })]).toThrow(RangeError);
  });

  it('cycles the default sources and does not emit one entity as a contiguous block', () => {
    expect(new Set(records.map((r) => r.source))).toEqual(new Set(['hubspot', 'salesforce', 'dynamics']));
    let adjacent = 0;
    let duplicates = 0;
    const seen = new Set<string>();
    for (let i = 0; i < records.length; i++) {
      const entity = entityOf.get(records[i]!.id)!;
      if (seen.has(entity)) {
        duplicates++;
        if (i > 0 && entityOf.get(records[i - 1]!.id) === entity) adjacent++;
      }
      seen.add(entity);
    }
    expect(adjacent).toBeGreaterThan(0);
    expect(adjacent / duplicates).toBeLessThan(0.3);
  });

  it('is diverse and realistic', () => {
    const given = new Set<string>();
    const family = new Set<string>();
    const cities = new Set<string>();
    const streets = new Set<string>();
    let particles = 0;
    for (const { fields } of records) {
      if (fields.givenName) given.add(fields.givenName);
      if (fields.familyName) family.add(fields.familyName);
      if (fields.familyName?.startsWith('van ')) particles++;
      if (fields.city) cities.add(fields.city);
      if (fields.street) streets.add(fields.street);
      if (fields.postcode) expect(fields.postcode).toMatch(/^\d{4} ?[A-Za-z]{2}$/);
      if (fields.birthDate) {
        expect(fields.birthDate).toMatch(/^\d{4}-\d\d-\d\d$/);
        const year = Number(fields.birthDate.slice(0, 4));
        expect(year).toBeGreaterThanOrEqual(1940);
        expect(year).toBeLessThanOrEqual(2009);
      }
      if (fields.phone) expect(fields.phone.replace(/\D/g, '')).toMatch(/^(316|3106|06|00316)\d{8}$/);
      if (fields.email) expect(fields.email).toMatch(/^[^@\s]+@[^@\s]+\.[a-z]+$/i);
    }
    expect(given.size).toBeGreaterThan(300);
    expect(family.size).toBeGreaterThan(600);
    expect(cities.size).toBeGreaterThan(150);
    expect(streets.size).toBeGreaterThan(1000);
    expect(particles).toBeGreaterThan(100);
    expect(records.some((r) => r.fields.houseNumber && /[a-d]$/i.test(r.fields.houseNumber))).toBe(true);
    expect(records.some((r) => r.fields.fullName !== undefined)).toBe(true);
  });

  it('distorts duplicates (typos, nicknames/initials, missing fields, moved addresses, phone formats)', () => {
    const byEntity = new Map<string, (typeof records)[number][]>();
    for (const record of records) {
      const entity = entityOf.get(record.id)!;
      const list = byEntity.get(entity) ?? [];
      list.push(record);
      byEntity.set(entity, list);
    }
    let givenDiffers = 0;
    let initials = 0;
    let phoneFormatDiffers = 0;
    let postcodeDiffers = 0;
    let emailDiffers = 0;
    let missingBirth = 0;
    let pairs = 0;
    for (const list of byEntity.values()) {
      const [first, ...rest] = list;
      for (const other of rest) {
        pairs++;
        const a = first!.fields;
        const b = other.fields;
        if (a.givenName && b.givenName && a.givenName !== b.givenName) givenDiffers++;
        if (b.givenName && /^[A-Z]\.?$/.test(b.givenName)) initials++;
        if (a.phone && b.phone && a.phone !== b.phone) phoneFormatDiffers++;
        if (a.postcode && b.postcode && a.postcode.slice(0, 4) !== b.postcode.slice(0, 4)) postcodeDiffers++;
        if (a.email && b.email && a.email.toLowerCase() !== b.email.toLowerCase()) emailDiffers++;
        if (!b.birthDate) missingBirth++;
      }
    }
    expect(pairs).toBeGreaterThan(2000);
    expect(givenDiffers / pairs).toBeGreaterThan(0.1);
    expect(givenDiffers / pairs).toBeLessThan(0.6);
    expect(initials).toBeGreaterThan(0);
    expect(phoneFormatDiffers).toBeGreaterThan(0);
    expect(postcodeDiffers).toBeGreaterThan(0);
    expect(emailDiffers).toBeGreaterThan(0);
    expect(missingBirth / pairs).toBeGreaterThan(0.1);
  });

  it('contains hard negatives: different people sharing a name and city, or a family name and address', () => {
    const byName = new Map<string, Set<string>>();
    const byAddress = new Map<string, Set<string>>();
    for (const { id, fields } of records) {
      const entity = entityOf.get(id)!;
      const name = `${fields.givenName}|${fields.familyName}|${fields.city}`;
      if (fields.givenName && fields.familyName && fields.city) {
        byName.set(name, (byName.get(name) ?? new Set()).add(entity));
      }
      if (fields.familyName && fields.street && fields.houseNumber && fields.postcode) {
        const address = `${fields.familyName}|${fields.street}|${fields.houseNumber}|${fields.postcode}`;
        byAddress.set(address, (byAddress.get(address) ?? new Set()).add(entity));
      }
    }
    expect([...byName.values()].filter((s) => s.size > 1).length).toBeGreaterThan(10);
    expect([...byAddress.values()].filter((s) => s.size > 1).length).toBeGreaterThan(10);
  });

  it('keeps emails and phone numbers unique per person', () => {
    const emailOwner = new Map<string, string>();
    const phoneOwners = new Map<string, Set<string>>();
    let shared = 0;
    for (const { id, fields } of records) {
      const entity = entityOf.get(id)!;
      if (fields.email) {
        const email = fields.email.toLowerCase();
        const owner = emailOwner.get(email);
        if (owner !== undefined && owner !== entity) shared++;
        emailOwner.set(email, entity);
      }
      if (fields.phone) {
        const digits = fields.phone.replace(/\D/g, '').slice(-8);
        phoneOwners.set(digits, (phoneOwners.get(digits) ?? new Set()).add(entity));
      }
    }
    expect(shared).toBe(0);
    // only relatives at one address share a phone
    const sharedPhones = [...phoneOwners.values()].filter((s) => s.size > 1).length;
    expect(sharedPhones / phoneOwners.size).toBeLessThan(0.01);
  });
});
