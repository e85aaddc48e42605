import { EventTooLargeError } from './event-size.js';
import { DependencyUnavailableError, failedDependency, isTransientError } from './transient-error.js';

describe('error classification', () => {
  it('takes an event above max_payload for the data’s fault: never retried as an infrastructure error', () => {
    const error = new EventTooLargeError('workflow.run.requested', 1_300_000, 1_048_576);
    expect(isTransientError(error)).toBe(false);
    expect(failedDependency(error)).toBeNull();
  });

  it('retries an unavailable dependency', () => {
    expect(isTransientError(new DependencyUnavailableError('nats', 'down'))).toBe(true);
  });
});
