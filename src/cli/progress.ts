/**
 * Import progress on stderr: a bar with rows/s and ETA on a TTY, a plain line every few seconds
 * otherwise (logs, CI). The ETA comes from bytes read against the file size.
 */
export interface ProgressEvent {
  rows: number;
  bytes: number;
  totalBytes: number;
  ms: number;
}

export class Progress {
  private lastPlain = 0;
  private drawn = false;

  constructor(private readonly tty: boolean) {}

  update(e: ProgressEvent): void {
    // Nothing to show (--json output, or a plain line shown less than 2 s ago): the text is not
    // built, since its first toLocaleString loads ICU data (~0.1 s).
    if (!this.tty && e.ms - this.lastPlain < 2_000) return;
    const fraction = e.totalBytes > 0 ? Math.min(1, e.bytes / e.totalBytes) : 0;
    const rate = e.ms > 0 ? (e.rows / e.ms) * 1000 : 0;
    const eta = fraction > 0 ? ((e.ms / fraction) * (1 - fraction)) / 1000 : 0;
    const text = `${e.rows.toLocaleString('en')} rows  ${Math.round(rate).toLocaleString('en')} rows/s  ${(fraction * 100).toFixed(0)}%  ETA ${eta.toFixed(0)} s`;
    if (this.tty) {
      const width = 28;
      const filled = Math.round(fraction * width);
      process.stderr.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${text}\x1b[K`);
      this.drawn = true;
    } else {
      this.lastPlain = e.ms;
      process.stderr.write(`import: ${text}\n`);
    }
  }

  done(): void {
    if (this.drawn) process.stderr.write('\n');
    this.drawn = false;
  }
}
