import type { TimeGranularity } from './partitioning.js';
import type { WallTime } from './wall-clock.js';

type Token = 'YYYY' | 'MM' | 'DD' | 'HH' | 'mm';
type Piece = { token: Token } | { literal: string };

const TOKENS: readonly Token[] = ['YYYY', 'MM', 'DD', 'HH', 'mm'];
const SEPARATORS = new Set(['-', 'T', ':', '_', '.', '/', ' ']);
const TOKEN_FIELD: Readonly<Record<Token, keyof WallTime>> = {
  YYYY: 'year',
  MM: 'month',
  DD: 'day',
  HH: 'hour',
  mm: 'minute',
};

/** The tokens a key format of each granularity must contain, and the only ones it may contain. */
const REQUIRED_TOKENS: Readonly<Record<TimeGranularity, readonly Token[]>> = {
  minute: ['YYYY', 'MM', 'DD', 'HH', 'mm'],
  hour: ['YYYY', 'MM', 'DD', 'HH'],
  day: ['YYYY', 'MM', 'DD'],
  week: ['YYYY', 'MM', 'DD'],
  month: ['YYYY', 'MM'],
};

/** The key format of each granularity when the partitioning declares none (week keys name the Monday). */
export const DEFAULT_KEY_FORMATS: Readonly<Record<TimeGranularity, string>> = {
  minute: 'YYYY-MM-DDTHH:mm',
  hour: 'YYYY-MM-DDTHH',
  day: 'YYYY-MM-DD',
  week: 'YYYY-MM-DD',
  month: 'YYYY-MM',
};

/** A compiled key format: renders a window's local start and parses a key back, with an optional UTC offset suffix. */
export interface KeyFormat {
  /** The format as written, e.g. `YYYY-MM-DDTHH`. */
  readonly pattern: string;
  readonly pieces: readonly Piece[];
  readonly matcher: RegExp;
}

/** A key's parts: its wall time (missing fields at their minimum) and the offset suffix in minutes, if any. */
export interface ParsedKey {
  wall: WallTime;
  offsetMinutes: number | null;
}

/** Compiles a format for a granularity, or explains what is wrong with it. */
export function compileKeyFormat(
  pattern: string,
  granularity: TimeGranularity,
): { ok: true; format: KeyFormat } | { ok: false; message: string } {
  const pieces: Piece[] = [];
  for (let i = 0; i < pattern.length;) {
    const token = TOKENS.find((t) => pattern.startsWith(t, i));
    if (token) {
      if (pieces.some((p) => 'token' in p && p.token === token)) {
        return { ok: false, message: `format "${pattern}" uses the token ${token} more than once` };
      }
      pieces.push({ token });
      i += token.length;
    } else if (SEPARATORS.has(pattern[i])) {
      pieces.push({ literal: pattern[i] });
      i += 1;
    } else {
      return {
        ok: false,
        message: `format "${pattern}" has an unsupported character ${JSON.stringify(pattern[i])} at position ${i}; use the tokens YYYY, MM, DD, HH, mm and the separators - T : _ . / and space`,
      };
    }
  }
  const used = new Set(pieces.flatMap((p) => ('token' in p ? [p.token] : [])));
  const required = REQUIRED_TOKENS[granularity];
  const missing = required.filter((t) => !used.has(t));
  const finer = [...used].filter((t) => !required.includes(t));
  if (missing.length > 0 || finer.length > 0) {
    return {
      ok: false,
      message: `format "${pattern}" must contain exactly the tokens ${required.join(' ')} for ${granularity} windows${
        missing.length > 0 ? `; missing ${missing.join(' ')}` : ''
      }${finer.length > 0 ? `; ${finer.join(' ')} is finer than a ${granularity}` : ''}`,
    };
  }
  const body = pieces.map((p) =>
    'token' in p ? (p.token === 'YYYY' ? '(\\d{4})' : '(\\d{2})') : escapeLiteral(p.literal),
  );
  const matcher = new RegExp(`^${body.join('')}([+-]\\d{2}:\\d{2})?$`);
  return { ok: true, format: { pattern, pieces, matcher } };
}

/** Renders a wall time in the format, appending `+HH:mm`/`-HH:mm` when an offset is given. */
export function formatKey(format: KeyFormat, wall: WallTime, offsetMinutes: number | null = null): string {
  const text = format.pieces
    .map((p) => {
      if ('literal' in p) return p.literal;
      const value = wall[TOKEN_FIELD[p.token]];
      return String(value).padStart(p.token === 'YYYY' ? 4 : 2, '0');
    })
    .join('');
  return offsetMinutes === null ? text : text + formatOffset(offsetMinutes);
}

/** Splits a key into its fields, or null when it does not have the format's shape. Ranges are not checked here. */
export function parseKey(format: KeyFormat, key: string): ParsedKey | null {
  const match = format.matcher.exec(key);
  if (!match) return null;
  const wall: WallTime = { year: 0, month: 1, day: 1, hour: 0, minute: 0 };
  let group = 1;
  for (const piece of format.pieces) {
    if ('token' in piece) wall[TOKEN_FIELD[piece.token]] = Number(match[group++]);
  }
  const suffix = match[group];
  return { wall, offsetMinutes: suffix === undefined ? null : parseOffset(suffix) };
}

/** `+01:00`, `-05:00`, `+05:45` (an offset of zero is `+00:00`). */
export function formatOffset(offsetMinutes: number): string {
  const sign = offsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(Math.round(offsetMinutes));
  return `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

function escapeLiteral(literal: string): string {
  return literal.replace(/[.\-/]/g, '\\$&');
}

function parseOffset(suffix: string): number {
  const sign = suffix.startsWith('-') ? -1 : 1;
  return sign * (Number(suffix.slice(1, 3)) * 60 + Number(suffix.slice(4, 6)));
}
