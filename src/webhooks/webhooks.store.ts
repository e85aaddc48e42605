import { sql, type Kysely } from 'kysely';
import type { Database } from '../../projections/database.js';
import type { WebhookEventKind, WebhookMessage, WebhookSubscription } from './webhook-message.js';

/**
 * The webhook tables (migration `create_webhooks`): registrations and the delivery outbox. Plain SQL: these are
 * operational tables (like the dead letters), not read models, so they are not in the projections' `Database`.
 */
type Db = Kysely<Database>;

/** A registration as the API shows it (never with its secret). */
export interface Webhook {
  id: string;
  url: string;
  assets: string[];
  events: WebhookEventKind[];
  description: string | null;
  fromSeq: number;
  createdAt: string;
  createdBy: string;
}

export type DeliveryStatus = 'pending' | 'delivered' | 'dead';

/** One delivery (a message to one webhook) with its attempts. */
export interface Delivery {
  id: string;
  webhookId: string;
  eventId: string;
  eventSeq: number;
  eventType: string;
  assetId: string;
  status: DeliveryStatus;
  attempts: number;
  nextAttemptAt: string | null;
  lastStatus: number | null;
  lastError: string | null;
  deliveredAt: string | null;
  createdAt: string;
}

interface WebhookRow {
  id: string;
  url: string;
  asset_patterns: string[];
  event_kinds: WebhookEventKind[];
  description: string | null;
  from_seq: string;
  created_at: Date;
  created_by: string;
}

const toWebhook = (row: WebhookRow): Webhook => ({
  id: row.id,
  url: row.url,
  assets: row.asset_patterns,
  events: row.event_kinds,
  description: row.description,
  fromSeq: Number(row.from_seq),
  createdAt: row.created_at.toISOString(),
  createdBy: row.created_by,
});

export async function insertWebhook(db: Db, webhook: Webhook & { secret: string }): Promise<void> {
  await sql`insert into webhook (id, url, asset_patterns, event_kinds, description, secret, from_seq, created_at, created_by)
    values (${webhook.id}, ${webhook.url}, ${JSON.stringify(webhook.assets)}::jsonb, ${JSON.stringify(webhook.events)}::jsonb,
      ${webhook.description}, ${webhook.secret}, ${webhook.fromSeq}, ${webhook.createdAt}, ${webhook.createdBy})`.execute(
    db,
  );
}

const WEBHOOK_COLUMNS = sql`id, url, asset_patterns, event_kinds, description, from_seq, created_at, created_by`;

export async function listWebhooks(db: Db): Promise<Webhook[]> {
  const result = await sql<WebhookRow>`select ${WEBHOOK_COLUMNS} from webhook where deleted_at is null
    order by created_at, id`.execute(db);
  return result.rows.map(toWebhook);
}

export async function findWebhook(db: Db, id: string): Promise<Webhook | null> {
  const result =
    await sql<WebhookRow>`select ${WEBHOOK_COLUMNS} from webhook where id = ${id} and deleted_at is null`.execute(db);
  return result.rows[0] ? toWebhook(result.rows[0]) : null;
}

/** Soft delete (its deliveries stay listed); true when it existed. */
export async function deleteWebhook(db: Db, id: string, now: Date): Promise<boolean> {
  const result = await sql`update webhook set deleted_at = ${now} where id = ${id} and deleted_at is null`.execute(db);
  return Number(result.numAffectedRows ?? 0) > 0;
}

/** What the consumer matches events against (in its checkpoint's transaction). */
export async function activeSubscriptions(db: Db): Promise<WebhookSubscription[]> {
  const result = await sql<WebhookRow>`select ${WEBHOOK_COLUMNS} from webhook where deleted_at is null`.execute(db);
  return result.rows.map((row) => ({
    id: row.id,
    assetPatterns: row.asset_patterns,
    eventKinds: row.event_kinds,
    fromSeq: Number(row.from_seq),
  }));
}

/** The outbox rows of a batch; a message already there (a redelivered batch) is left as it is. */
export async function insertDeliveries(db: Db, messages: readonly WebhookMessage[], now: Date): Promise<void> {
  if (messages.length === 0) return;
  await insertDeliveriesStatement(messages, now).execute(db);
}

/** The statement of `insertDeliveries` (a data-modifying statement: it may run as a CTE of a checkpoint's). */
export function insertDeliveriesStatement(messages: readonly WebhookMessage[], now: Date) {
  const column = <K extends keyof WebhookMessage>(key: K) => messages.map((m) => m[key]);
  return sql`insert into webhook_delivery (id, webhook_id, event_id, seq, asset_id, event_type, body, status, attempts,
      next_attempt_at, created_at)
    select id, webhook_id, event_id, seq, asset_id, event_type, body, 'pending', 0, ${now}, ${now}
    from unnest(${column('id')}::text[], ${column('webhookId')}::text[], ${column('eventId')}::text[],
      ${column('seq')}::bigint[], ${column('assetId')}::text[], ${column('eventType')}::text[], ${column('body')}::text[])
      as m(id, webhook_id, event_id, seq, asset_id, event_type, body)
    on conflict do nothing`;
}

interface DeliveryRow {
  id: string;
  webhook_id: string;
  event_id: string;
  seq: string;
  event_type: string;
  asset_id: string;
  status: DeliveryStatus;
  attempts: number;
  next_attempt_at: Date;
  last_status: number | null;
  last_error: string | null;
  delivered_at: Date | null;
  created_at: Date;
}

const toDelivery = (row: DeliveryRow): Delivery => ({
  id: row.id,
  webhookId: row.webhook_id,
  eventId: row.event_id,
  eventSeq: Number(row.seq),
  eventType: row.event_type,
  assetId: row.asset_id,
  status: row.status,
  attempts: row.attempts,
  nextAttemptAt: row.status === 'pending' ? row.next_attempt_at.toISOString() : null,
  lastStatus: row.last_status,
  lastError: row.last_error,
  deliveredAt: row.delivered_at?.toISOString() ?? null,
  createdAt: row.created_at.toISOString(),
});

/** A webhook's deliveries, newest event first, optionally of one status, before a sequence (paging). */
export async function listDeliveries(
  db: Db,
  webhookId: string,
  options: { status?: DeliveryStatus; beforeSeq?: number; limit: number },
): Promise<Delivery[]> {
  const status = options.status ? sql`and status = ${options.status}` : sql``;
  const before = options.beforeSeq === undefined ? sql`` : sql`and seq < ${options.beforeSeq}`;
  const result = await sql<DeliveryRow>`select id, webhook_id, event_id, seq, event_type, asset_id, status, attempts,
      next_attempt_at, last_status, last_error, delivered_at, created_at
    from webhook_delivery where webhook_id = ${webhookId} ${status} ${before}
    order by seq desc limit ${options.limit}`.execute(db);
  return result.rows.map(toDelivery);
}

/** A claimed delivery with what sending it needs. */
export interface ClaimedDelivery {
  id: string;
  webhookId: string;
  assetId: string;
  seq: number;
  attempts: number;
  body: string;
  url: string;
  secret: string;
}

/**
 * Claims up to `limit` deliveries that are due and at the head of their webhook × asset queue (the earliest pending
 * one by sequence), for `claimMs`. A claim is re-checked under the row lock, so two dispatchers never send one
 * delivery at once, and a later message of an asset never overtakes an earlier one that is still pending.
 */
export async function claimDueDeliveries(db: Db, limit: number, claimMs: number): Promise<ClaimedDelivery[]> {
  const result = await sql<{
    id: string;
    webhook_id: string;
    asset_id: string;
    seq: string;
    attempts: number;
    body: string;
    url: string;
    secret: string;
  }>`
    with heads as (
      select distinct on (d.webhook_id, d.asset_id) d.id, d.next_attempt_at, d.claimed_until
      from webhook_delivery d join webhook w on w.id = d.webhook_id and w.deleted_at is null
      where d.status = 'pending'
      order by d.webhook_id, d.asset_id, d.seq
    ), due as (
      select id from heads where next_attempt_at <= now() and (claimed_until is null or claimed_until < now())
      limit ${limit}
    )
    update webhook_delivery d set claimed_until = now() + ${claimMs} * interval '1 millisecond'
    from due, webhook w
    where d.id = due.id and w.id = d.webhook_id and d.status = 'pending'
      and (d.claimed_until is null or d.claimed_until < now())
    returning d.id, d.webhook_id, d.asset_id, d.seq, d.attempts, d.body, w.url, w.secret`.execute(db);
  return result.rows.map((row) => ({
    id: row.id,
    webhookId: row.webhook_id,
    assetId: row.asset_id,
    seq: Number(row.seq),
    attempts: row.attempts,
    body: row.body,
    url: row.url,
    secret: row.secret,
  }));
}

/** Records an attempt's outcome: delivered, retried at `retryAt`, or dead (`retryAt` null and failed). */
export async function recordAttempt(
  db: Db,
  id: string,
  outcome: { delivered: boolean; status: number | null; error: string | null; retryAt: Date | null; now: Date },
): Promise<void> {
  const status = outcome.delivered ? 'delivered' : outcome.retryAt ? 'pending' : 'dead';
  await sql`update webhook_delivery set status = ${status}, attempts = attempts + 1, claimed_until = null,
      last_status = ${outcome.status}, last_error = ${outcome.error},
      next_attempt_at = coalesce(${outcome.retryAt}::timestamptz, next_attempt_at),
      delivered_at = ${outcome.delivered ? outcome.now : null}
    where id = ${id}`.execute(db);
}

/** Releases claims (shutdown): the next dispatcher may send them at once. */
export async function releaseClaims(db: Db, ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return;
  await sql`update webhook_delivery set claimed_until = null where id = any(${[...ids]}::text[]) and status = 'pending'`.execute(
    db,
  );
}

/** `npm run webhooks -- replay`: dead deliveries of a webhook (all, or these ids) go back to pending, attempts reset. */
export async function replayDeadDeliveries(db: Db, webhookId: string, ids: readonly string[]): Promise<string[]> {
  const only = ids.length === 0 ? sql`` : sql`and id = any(${[...ids]}::text[])`;
  const result = await sql<{ id: string }>`update webhook_delivery set status = 'pending', attempts = 0,
      next_attempt_at = now(), claimed_until = null
    where webhook_id = ${webhookId} and status = 'dead' ${only} returning id`.execute(db);
  return result.rows.map((row) => row.id);
}
