import type { FieldProblem } from './domain-error.js';

/** How many entries of an error or warning list an event or an answer keeps. */
export const MAX_LISTED_PROBLEMS = 20;
/** How long one stored message may be. */
export const MAX_MESSAGE_LENGTH = 2000;

/** A message cut to `MAX_MESSAGE_LENGTH` characters, saying so. */
export function boundMessage(message: string, max = MAX_MESSAGE_LENGTH): string {
  return message.length <= max ? message : `${message.slice(0, max)}… (${message.length - max} more characters)`;
}

/**
 * The first `MAX_LISTED_PROBLEMS` field problems (each message bounded), plus one entry saying how many were left
 * out: a payload that breaks its schema a million times must not produce an event a million entries long.
 */
export function boundProblems(problems: readonly FieldProblem[], max = MAX_LISTED_PROBLEMS): FieldProblem[] {
  const kept = problems.slice(0, max).map(({ path, message }) => ({ path, message: boundMessage(message) }));
  if (problems.length > max) kept.push({ path: '', message: `… and ${problems.length - max} more problems` });
  return kept;
}

/** The first `max` items of a list with a bounded message, plus a summary item built by `more` when cut. */
export function boundList<T extends { message: string }>(
  items: readonly T[],
  more: (omitted: number) => T,
  max = MAX_LISTED_PROBLEMS,
): T[] {
  const kept = items.slice(0, max).map((item) => ({ ...item, message: boundMessage(item.message) }));
  if (items.length > max) kept.push(more(items.length - max));
  return kept;
}
