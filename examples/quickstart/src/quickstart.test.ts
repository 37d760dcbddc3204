import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runQuickstart } from './quickstart';

/** The number of objects in a fixture export (HubSpot: `results`, Dynamics: `value`), counted here, not taken from the quickstart. */
const count = (name: string): number => {
  const data = JSON.parse(readFileSync(new URL(`../fixtures/${name}.json`, import.meta.url), 'utf8'));
  return (data.results ?? data.value).length;
};
const salesRecords = count('hubspot-companies') + count('hubspot-contacts') + count('hubspot-meetings');
const serviceRecords = count('dynamics-contacts') + count('dynamics-incidents');
const contactRecords = count('hubspot-contacts') + count('dynamics-contacts');

const dir = mkdtempSync(join(tmpdir(), 'crmkit-quickstart-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function run(): Promise<string[]> {
  const lines: string[] = [];
  await runQuickstart({ dataDir: dir, log: (line) => lines.push(...line.split('\n')) });
  return lines;
}
const number = (lines: string[], pattern: RegExp): number => {
  const match = lines.map((line) => pattern.exec(line)).find(Boolean);
  if (!match) throw new Error(`no line matches ${pattern}:\n${lines.join('\n')}`);
  return Number(match[1]);
};

describe('quickstart: every number it prints comes from the data', () => {
  let first: string[] = [];

  it('prints the counts of the fixtures and of the customers it shows', async () => {
    first = await run();
    expect(first).toContain(`Empty embedded store: pglite (${dir}).`);
    expect(first).toContain(
      `Ingested ${salesRecords} sales records and ${serviceRecords} service records (${salesRecords + serviceRecords} stored).`,
    );
    // "N people from M contact records": M from the fixtures, N the person customers it then shows one by one.
    const at = first.findIndex((line) => / people from \d+ contact records:$/.test(line));
    const end = first.findIndex((line) => line.startsWith('A data admin'));
    const shown = first.slice(at + 1, end).filter((line) => /\[person [^\]]+\]$/.test(line)).length;
    expect(first[at]).toBe(`${shown} people from ${contactRecords} contact records:`);
    expect(shown).toBeGreaterThan(0);
    expect(shown).toBeLessThan(contactRecords); // Ada's two records are one customer

    const graces = number(first, /decides the (\d+) Grace Hopper customers are one person/);
    expect(number(first, /^ {2}(\d+) separate Grace Hopper customers again\.$/)).toBe(graces);
    expect(number(first, /The audit log holds (\d+) hash-chained entries: intact\./)).toBeGreaterThan(0);
  }, 180_000);

  it('a second run finds the first run’s customers and stores nothing new', async () => {
    const customers = number(first, /she sees \d+ of (\d+) customers/);
    const second = await run();
    expect(second).toContain(
      `The embedded store (pglite (${dir})) already holds ${customers} customers from an earlier run.`,
    );
    expect(second).toContain(
      `Ingested ${salesRecords} sales records and ${serviceRecords} service records (0 stored).`,
    );
    expect(number(second, /she sees \d+ of (\d+) customers/)).toBe(customers);
  }, 180_000);
});
