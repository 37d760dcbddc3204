import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createProgressBar, renderProgress } from './progress';

class Capture extends Writable {
  text = '';
  columns = 60;
  override _write(chunk: Buffer | string, _encoding: BufferEncoding, callback: () => void): void {
    this.text += chunk.toString();
    callback();
  }
}

describe('renderProgress', () => {
  it('draws the phase, a bar, the percentage and the counts', () => {
    expect(renderProgress({ phase: 'score', done: 50, total: 100 }, 80)).toBe(
      `scoring    [${'#'.repeat(20)}${'-'.repeat(20)}]  50%  50/100`,
    );
    expect(renderProgress({ phase: 'read', done: 1048576, total: 4194304 }, 80)).toMatch(
      /^reading +\[#+-+\] {2}25% {2}1\.0\/4\.0 MiB$/,
    );
    expect(renderProgress({ phase: 'cluster', done: 0, total: 0 }, 20)).toBe(
      `clustering [${'-'.repeat(10)}]   0%  0/0`,
    );
  });
});

describe('createProgressBar', () => {
  it('stays quiet at first, then redraws in place at most every interval (and on each new phase), and clears', () => {
    const stream = new Capture();
    let now = 0;
    const bar = createProgressBar(stream, { delayMs: 300, intervalMs: 100, now: () => now });
    bar.update({ phase: 'read', done: 1, total: 10 });
    bar.clear();
    expect(stream.text).toBe('');
    now = 400;
    bar.update({ phase: 'read', done: 5, total: 10 });
    now = 450;
    bar.update({ phase: 'read', done: 6, total: 10 });
    bar.update({ phase: 'score', done: 1, total: 10 });
    now = 600;
    bar.update({ phase: 'score', done: 10, total: 10 });
    bar.clear();
    const frames = stream.text.split('\r\x1b[K');
    expect(frames).toHaveLength(5);
    expect(frames[1]).toMatch(/^reading .* 50%/);
    expect(frames[2]).toMatch(/^scoring .* 10%/);
    expect(frames[3]).toMatch(/^scoring .* 100%/);
    expect(frames[4]).toBe('');
  });
});
