import type { LineageConfig } from '../config/app-config.js';
import type { LineagePublisher } from '../events/lineage-publisher.js';
import { HttpLineageTransport } from './http-transport.js';
import type { LineageTransport } from './lineage-transport.js';
import { NatsLineageTransport } from './nats-transport.js';

/** The transports `OPENLINEAGE_TRANSPORT` selects, HTTP first; `publisher` builds the NATS one's publisher. */
export function lineageTransports(config: LineageConfig, publisher: () => LineagePublisher): LineageTransport[] {
  const transports: LineageTransport[] = [];
  if (config.transports.has('http') && config.url) {
    transports.push(
      new HttpLineageTransport({
        url: config.url,
        endpoint: config.endpoint,
        apiKey: config.apiKey,
        timeoutMs: config.timeoutMs,
      }),
    );
  }
  if (config.transports.has('nats')) {
    transports.push(new NatsLineageTransport(publisher(), config.natsSubject));
  }
  return transports;
}
