import type { JobContext, JobOutcome } from '../../src/jobs/job-handler.js';
import { ArtifactWriter, type ExampleOutput } from '../example-output.js';
import type { ExampleJob } from '../example-workflow.js';
import { requirePartitionKey } from '../job-parameters.js';
import { round, syntheticRandom } from '../synthetic-random.js';
import { INBOX_PARTITIONING, windowOf } from './observatory-partitions.js';

/** The observatory's sensors. */
export const SENSORS = ['obs-alpha', 'obs-beta', 'obs-gamma'];

/** Header of an inbox drop CSV. */
export const DROP_COLUMNS = 'sensor,at,temperatureC,pm25,windMs';

/** The generator's folder for one minute; the ingest reads `drop.csv` from it. */
export function dropFolder(output: ExampleOutput, minuteKey: string): string {
  return output.folder('observatory-minute-data-generator', minuteKey);
}

/** Six readings per sensor, every 10 s of the minute; deterministic per minute. */
export function syntheticDrop(minuteKey: string): string {
  const { start } = windowOf(INBOX_PARTITIONING, minuteKey);
  const random = syntheticRandom(`observatory:${minuteKey}`);
  const hour = start.getUTCHours() + start.getUTCMinutes() / 60;
  const lines = [DROP_COLUMNS];
  for (const sensor of SENSORS) {
    for (let tick = 0; tick < 6; tick++) {
      const at = new Date(start.getTime() + tick * 10_000).toISOString();
      const temperature = round(random.around(14 + 8 * Math.sin(((hour - 8) / 24) * 2 * Math.PI), 0.8), 2);
      const pm25 = round(Math.max(0, random.around(sensor === 'obs-gamma' ? 28 : 12, 6)), 1);
      lines.push(`${sensor},${at},${temperature},${pm25},${round(Math.max(0, random.around(4, 2)), 1)}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

async function generateDrop(output: ExampleOutput, context: JobContext): Promise<JobOutcome> {
  const minute = requirePartitionKey(context.partitionKey, 'observatory-generate-drop');
  const writer = new ArtifactWriter(dropFolder(output, minute));
  const artifact = await writer.write('drop.csv', syntheticDrop(minute), 'text/csv');
  const payload = {
    partitionKey: minute,
    path: `${writer.dir}/drop.csv`,
    sensors: SENSORS,
    rowCount: SENSORS.length * 6,
    sizeBytes: artifact.sizeBytes,
  };
  return {
    status: 'succeeded',
    result: { files: writer.artifacts, assets: [{ assetId: 'observatory.inbox.synthetic', payload }] },
  };
}

/** `observatory-generate-drop`: writes a synthetic instrument drop (CSV) for one minute. */
export const generateDropJob: ExampleJob = {
  jobSlug: 'observatory-generate-drop',
  create: (output) => (context) => generateDrop(output, context),
};
