/**
 * A NATS subject filter compiled once (`*` one token, `>` the rest), for matching many subjects in-process: the shared
 * live feed checks every event against every subscriber's filter, so this must not allocate per call beyond the
 * subject's split.
 */
export type SubjectMatcher = (subject: string) => boolean;

export function subjectMatcher(filter: string): SubjectMatcher {
  const tokens = filter.split('.');
  const tail = tokens[tokens.length - 1] === '>';
  const fixed = tail ? tokens.slice(0, -1) : tokens;
  if (tail && fixed.length === 0) return (subject) => subject.length > 0;
  if (fixed.every((token) => token !== '*')) {
    const literal = fixed.join('.');
    if (!tail) return (subject) => subject === literal;
    const head = `${literal}.`;
    return (subject) => subject.length > head.length && subject.startsWith(head);
  }
  return (subject) => {
    const parts = subject.split('.');
    if (tail ? parts.length <= fixed.length : parts.length !== fixed.length) return false;
    for (let i = 0; i < fixed.length; i += 1) {
      const token = fixed[i];
      if (token !== '*' && token !== parts[i]) return false;
    }
    return true;
  };
}
