// Unit tests of CLI behaviour around the engine (progress drawing, unexpected failures), with `resolve` mocked.
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import type * as identity from '@crmkit/identity';
import { resolve } from '@crmkit/identity';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { main } from './index';

vi.mock('@crmkit/identity', async (importOriginal) => ({
  ...(await importOriginal<typeof identity>()),
  resolve: vi.fn(),
}));

const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url));
const args = ['resolve', '--map', 'people-map.json', 'people-crm.csv'];

class Capture extends Writable {
  text = '';
  override _write(chunk: Buffer | string, _encoding: BufferEncoding, callback: () => void): void {
    this.text += chunk.toString();
    callback();
  }
}

async function run(isTTY: boolean, quiet = false) {
  const stdout = new Capture();
  const stderr = new Capture();
  const code = await main(quiet ? [...args, '--quiet'] : args, { stdout, stderr, cwd: fixtures, isTTY });
  return { code, stdout: stdout.text, stderr: stderr.text };
}

const stats = { records: 6, candidatePairs: 4, links: 1, reviews: 0, clusters: 5, seconds: 1.25 };

function slowEngine() {
  vi.mocked(resolve).mockImplementation(async (records, options = {}) => {
    const list = [...records];
    for (const phase of ['prepare', 'score', 'cluster'] as const) {
      vi.setSystemTime(Date.now() + 1000);
      options.onProgress?.({ phase, done: 1, total: 2 });
    }
    return {
      clusterOf: new Map(list.map((record) => [record.id, record.id])),
      reviews: [],
      pairs: [],
      parameters: { entity: 'person', lambda: 0.1, comparisons: {} },
      stats,
    };
  });
}

afterEach(() => {
  vi.useRealTimers();
  vi.mocked(resolve).mockReset();
});

describe('progress and summary', () => {
  it('draws a progress bar on a terminal, clears it, then prints the summary', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    slowEngine();
    const result = await run(true);
    expect(result.code).toBe(0);
    const frames = result.stderr.split('\r\x1b[K');
    expect(frames.slice(1, 4).map((frame) => frame.split(' ')[0])).toEqual(['preparing', 'scoring', 'clustering']);
    expect(frames.at(-1)).toBe(
      'crmkit resolve: 6 records, 4 candidate pairs, 1 links, 0 reviews, 5 clusters in 1.3 s\n',
    );
    expect(result.stdout.split('\n')[1]).toBe('people-crm.csv,A-1,0:A-1');
  });

  it('prints only the summary when stderr is not a terminal, and nothing with --quiet', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    slowEngine();
    expect((await run(false)).stderr).toBe(
      'crmkit resolve: 6 records, 4 candidate pairs, 1 links, 0 reviews, 5 clusters in 1.3 s\n',
    );
    expect((await run(true, true)).stderr).toBe('');
  });
});

describe('unexpected failures', () => {
  it('exit with 1 and print the message with the stack, after clearing the progress bar', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.mocked(resolve).mockImplementation(async (_records, options = {}) => {
      vi.setSystemTime(Date.now() + 1000);
      options.onProgress?.({ phase: 'score', done: 1, total: 2 });
      throw new TypeError('boom');
    });
    const result = await run(true);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    const afterBar = result.stderr.split('\r\x1b[K').at(-1)!;
    expect(afterBar).toMatch(/^crmkit: unexpected error: TypeError: boom\n\s+at /);
  });
});
