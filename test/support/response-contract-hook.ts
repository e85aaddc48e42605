import { existsSync, readFileSync, renameSync, rmSync } from 'node:fs';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { buildOpenApiDocument } from '../../src/docs/openapi.js';
import { ResponseContract } from '../../src/docs/response-contract.js';
import { checkResponses } from '../../src/docs/response-contract-hook.js';

/** Findings of this test file not yet reported: `METHOD url → status: what is wrong`. */
const violations: string[] = [];
/** Where service processes of this test file write theirs (APPHUB_TEST_RESPONSE_CONTRACT_FILE). */
const findingFiles = new Set<string>();

/** Throws (failing the current test, or the hook that calls it) when a response broke the contract since last asked. */
export function assertResponsesMatchContract(): void {
  for (const file of findingFiles) {
    if (!existsSync(file)) continue;
    // Renamed first: what a process appends meanwhile goes to a new file, read next time.
    renameSync(file, `${file}.read`);
    violations.push(...readFileSync(`${file}.read`, 'utf8').split('\n').filter(Boolean));
    rmSync(`${file}.read`);
  }
  if (violations.length === 0) return;
  const found = violations.splice(0);
  throw new Error(
    `${found.length} response(s) do not match the OpenAPI document the service serves:\n  ${found.join('\n  ')}`,
  );
}

// Every test file that starts the service gets the check without opting in: jest evaluates this module while it
// collects the file, so the hook belongs to the file's root block.
if (typeof afterEach === 'function') afterEach(assertResponsesMatchContract);

/** A service process started with `APPHUB_TEST_RESPONSE_CONTRACT_FILE=file` reports its findings there. */
export function watchFindingFile(file: string): void {
  findingFiles.add(file);
}

/**
 * Installs the check on an in-process app that is initialized but not listening yet; call `load` once it listens,
 * to read the document the app serves. Responses before that are not checked.
 */
export function watchResponses(app: NestFastifyApplication): { load(): Promise<void> } {
  let contract: ResponseContract | undefined;
  checkResponses(
    app.getHttpAdapter().getInstance(),
    () => contract,
    (finding) => violations.push(finding),
  );
  return {
    async load() {
      const served = await app.inject({ method: 'GET', url: '/docs/json' });
      // Processes without the api role serve no /docs; their document is the same one.
      contract = new ResponseContract(
        served.statusCode === 200 ? (served.json() as Record<string, any>) : buildOpenApiDocument(app),
      );
    },
  };
}
