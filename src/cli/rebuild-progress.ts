import cliProgress from 'cli-progress';
import type { RebuildProgress, RebuildReport } from '../rebuild/rebuild.js';

const PHASES: Record<RebuildProgress['phase'], string> = {
  replay: 'replaying',
  indexes: 'indexing',
  verify: 'verifying',
  compare: 'comparing',
};

/**
 * The rebuild's progress bar on stderr: events replayed, events/s over the last seconds and ETA. Without a
 * terminal it prints a line every few seconds instead.
 */
export class RebuildProgressBar {
  private readonly bar = new cliProgress.SingleBar(
    {
      format: '{phase} [{bar}] {percentage}% | {value}/{total} events | {rate} ev/s | ETA {eta_formatted}',
      stream: process.stderr,
      noTTYOutput: true,
      notTTYSchedule: 5000,
      hideCursor: true,
      etaBuffer: 50,
      fps: 5,
    },
    cliProgress.Presets.shades_classic,
  );
  private started = false;
  private readonly samples: Array<{ at: number; seq: number }> = [];

  update(progress: RebuildProgress): void {
    const now = performance.now();
    this.samples.push({ at: now, seq: progress.seq });
    while (this.samples.length > 2 && now - this.samples[0]!.at > 10_000) this.samples.shift();
    const first = this.samples[0]!;
    const rate =
      this.samples.length > 1 && now > first.at
        ? String(Math.round(((progress.seq - first.seq) * 1000) / (now - first.at)))
        : '…';
    const payload = { phase: PHASES[progress.phase], rate };
    if (!this.started) {
      this.started = true;
      this.bar.start(progress.target, progress.seq, payload);
    } else {
      this.bar.setTotal(progress.target);
      this.bar.update(progress.seq, payload);
    }
  }

  stop(): void {
    if (this.started) this.bar.stop();
  }
}

/** The human summary printed after a rebuild. */
export function formatSummary(report: RebuildReport, peakRssMb: number): string {
  const lines: string[] = [];
  const replayed = report.seq - report.resumedFrom;
  const what =
    report.mode === 'compare'
      ? 'compared'
      : report.swapped
        ? `rebuilt and swapped in${report.swapAttempts > 1 ? ` (the swap yielded to live writers ${report.swapAttempts - 1}×)` : ''}`
        : report.mode === 'build'
          ? 'rebuilt into schema rebuild_shadow (not swapped)'
          : 'not swapped';
  lines.push(`${report.projections.join(', ')}: ${what} at event ${report.seq}`);
  lines.push(
    `  replayed ${replayed} events${report.resumedFrom > 0 ? ` (from event ${report.resumedFrom + 1} on)` : ''} in ${report.seconds.toFixed(1)} s = ${Math.round(report.eventsPerSecond)} ev/s; peak RSS ${Math.round(peakRssMb)} MB`,
  );
  if (report.interrupted)
    lines.push(`  interrupted at event ${report.seq}: run the same command again to resume from there`);
  if (report.counts.length > 0) {
    lines.push(
      `  row counts (${report.exact ? 'live and rebuilt at the same position: verified equal' : 'live at another position: informational'}):`,
    );
    for (const count of report.counts)
      lines.push(
        `    ${count.table.padEnd(28)} live ${String(count.live).padStart(10)}   rebuilt ${String(count.rebuilt).padStart(10)}`,
      );
  }
  for (const comparison of report.comparisons) {
    lines.push(
      `  ${comparison.table.padEnd(28)} ${comparison.equal ? 'equal' : 'DIFFERENT'}  live ${comparison.live.rows} rows, rebuilt ${comparison.rebuilt.rows} rows`,
    );
    for (const row of comparison.onlyLive) lines.push(`      only live:    ${row.slice(0, 300)}`);
    for (const row of comparison.onlyRebuilt) lines.push(`      only rebuilt: ${row.slice(0, 300)}`);
  }
  if (report.equal !== null)
    lines.push(
      report.equal
        ? '  the live read models equal a fresh replay'
        : '  the live read models DIFFER from a fresh replay',
    );
  return lines.join('\n');
}
