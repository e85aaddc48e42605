/**
 * Pull requests (fetch and consume) carry an idle heartbeat of this length. nats-server 2.9.10 now and then lets a
 * pull request expire without sending the 408 status that ends it (seen a few times a minute under load); the
 * client then waits for two missed heartbeats before it pulls again, and every event in between waits too. With the
 * client's default heartbeat (half the expiry) that was a 2-3 s stall of the materializer; with this one it is at
 * most about a second, and the long expiry of the hot consumers makes it rare.
 */
export const PULL_IDLE_HEARTBEAT_MS = 500;

/** Expiry of the pull requests of long-lived consumers (stream consumers, timers, subscribers): see above. */
export const LONG_PULL_EXPIRES_MS = 30_000;

/** Options of one pull request: at most `maxMessages`, expiring after `expiresMs`, with the short heartbeat. */
export function pullOptions(maxMessages: number, expiresMs: number) {
  return { max_messages: maxMessages, expires: expiresMs, idle_heartbeat: PULL_IDLE_HEARTBEAT_MS };
}
