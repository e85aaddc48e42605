/** Display formats shared by every page. Pure (the clock comes in as `now`). */

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });

/** "3 Dec 2026, 10:21:49" (the browser's locale and time zone); "—" for null. */
export function formatTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : dateTime.format(date);
}

/** A duration in ms as "850 ms", "12 s", "4 min 5 s", "2 h 5 min", "3 d 4 h". */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—';
  if (ms < 1000) return `${Math.max(0, Math.round(ms))} ms`;
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return seconds % 60 ? `${minutes} min ${seconds % 60} s` : `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return minutes % 60 ? `${hours} h ${minutes % 60} min` : `${hours} h`;
  const days = Math.floor(hours / 24);
  return hours % 24 ? `${days} d ${hours % 24} h` : `${days} d`;
}

/** How long a run took (or has been running, up to `now`); "—" before it started. */
export function runDuration(
  run: { startedAt: string | null; completedAt: string | null; createdAt?: string },
  now: number,
): string {
  if (!run.startedAt) return '—';
  const end = run.completedAt ? Date.parse(run.completedAt) : now;
  return formatDuration(end - Date.parse(run.startedAt));
}

/** "in 4 min" / "2 min ago". */
export function relativeTo(iso: string, now: number): string {
  const delta = Date.parse(iso) - now;
  const text = formatDuration(Math.abs(delta));
  return delta >= 0 ? `in ${text}` : `${text} ago`;
}

/** The first 8 characters of an id (runs are uuids). */
export function shortId(id: string): string {
  return id.length > 12 ? id.slice(0, 8) : id;
}

/** One-line JSON preview, cut at `max` characters. */
export function previewJson(value: unknown, max = 120): string {
  if (value === undefined) return '—';
  const text = JSON.stringify(value) ?? 'null';
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** The partition as the seed's operators know it: "Global" for an unpartitioned asset. */
export function partitionLabel(partitionKey: string | null | undefined): string {
  return partitionKey ?? 'Global';
}
