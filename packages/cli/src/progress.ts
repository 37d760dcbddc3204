import type { Writable } from 'node:stream';
import type { RunProgress } from './resolve';

/** A one-line progress bar redrawn in place (for a terminal). */
export interface ProgressBar {
  update(progress: RunProgress): void;
  /** Clears the line, if anything was drawn. */
  clear(): void;
}

const LABELS: Record<RunProgress['phase'], string> = {
  read: 'reading',
  prepare: 'preparing',
  block: 'blocking',
  train: 'training',
  score: 'scoring',
  cluster: 'clustering',
};

/**
 * A progress bar on `stream`. Draws nothing during the first `delayMs` (short runs stay quiet) and at most every
 * `intervalMs` after that, except when the phase changes.
 */
export function createProgressBar(
  stream: Writable & { columns?: number },
  { delayMs = 300, intervalMs = 100, now = () => Date.now() } = {},
): ProgressBar {
  const start = now();
  let last = 0;
  let phase = '';
  let drawn = false;
  return {
    update(progress) {
      const t = now();
      if (t - start < delayMs) return;
      if (progress.phase === phase && t - last < intervalMs) return;
      phase = progress.phase;
      last = t;
      drawn = true;
      stream.write(`\r\x1b[K${renderProgress(progress, stream.columns || 80)}`);
    },
    clear() {
      if (drawn) stream.write('\r\x1b[K');
      drawn = false;
    },
  };
}

/** `scoring    [##########----------]  50%  500/1000`, fitted to `columns`. */
export function renderProgress(progress: RunProgress, columns = 80): string {
  const label = LABELS[progress.phase].padEnd(11);
  const total = Math.max(progress.total, 0);
  const ratio = total === 0 ? 0 : Math.min(1, Math.max(0, progress.done / total));
  const percent = `${Math.floor(ratio * 100)}%`.padStart(4);
  const counts =
    progress.phase === 'read' ? `${mebibytes(progress.done)}/${mebibytes(total)} MiB` : `${progress.done}/${total}`;
  const width = Math.max(10, Math.min(40, columns - label.length - percent.length - counts.length - 8));
  const filled = Math.round(ratio * width);
  return `${label}[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${percent}  ${counts}`;
}

function mebibytes(bytes: number): string {
  return (bytes / 1048576).toFixed(1);
}
