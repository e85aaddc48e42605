import { formatTime } from '../logic/format';

/** An instant in the browser's locale, machine-readable in `dateTime`. */
export function Time({ at }: { at: string | null | undefined }) {
  if (!at) return <span>—</span>;
  return <time dateTime={at}>{formatTime(at)}</time>;
}
