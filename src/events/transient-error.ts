/**
 * Infrastructure failures (NATS unreachable, a Postgres connection lost) are retried from the checkpoint; any
 * other error on a single event makes it poison. Telling the two apart keeps a NATS outage from dead-lettering
 * good events.
 */
export function isTransientError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && /^(08|57P|53|40001|40P01)/.test(code)) return true;
  if (typeof code === 'string' && /^(ECONN|ETIMEDOUT|EPIPE|ENOTFOUND)/.test(code)) return true;
  // Another read model is behind: waiting longer (a retry of the batch) fixes it; the event is not poison.
  if (code === 'read_model_lagging') return true;
  const name = error.name;
  if (
    /^(TimeoutError|ConnectionError|RequestError|ClosedConnectionError|NoRespondersError|DrainingConnectionError)$/.test(
      name,
    )
  )
    return true;
  if (name === 'JetStreamError' || name === 'JetStreamNotEnabled') return true;
  if (name === 'CheckpointMovedError' || name === 'LeaseLostError') return true;
  return /Connection terminated|connection closed|timeout|ECONNREFUSED|no responders/i.test(error.message);
}
