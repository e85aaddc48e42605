import { randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** One file an example job wrote, as reported in `result.files` and in asset payloads. */
export interface Artifact {
  /** Path relative to the folder the job wrote into. */
  relativePath: string;
  mediaType: string;
  sizeBytes: number;
}

/**
 * The folder tree example jobs write into (`APPHUB_EXAMPLES_OUTPUT_DIR`): one sub-folder per workflow, then per
 * partition or run. Every path a job derives from its parameters or partition key is resolved inside this root,
 * so a run's parameters can never make a job write (or read) elsewhere.
 */
export class ExampleOutput {
  readonly root: string;

  constructor(root: string) {
    this.root = path.resolve(root);
  }

  /** An absolute folder under the root; segments are sanitized (`folderName`), never `..`. */
  folder(...segments: string[]): string {
    return path.join(this.root, ...segments.map(folderName));
  }

  /**
   * Resolves a path a user gave (relative to the root, or absolute inside it). Throws when it leaves the root.
   */
  inside(userPath: string): string {
    const resolved = path.resolve(this.root, userPath);
    if (!isWithin(this.root, resolved)) throw new Error(`path "${userPath}" is outside the examples output folder`);
    return resolved;
  }
}

/**
 * A partition key or run id as one folder name: letters, digits, `.`, `_` and `-` are kept, anything else
 * (`:` of minute keys, `/`, spaces) becomes `-`; `.` and `..` alone cannot occur.
 */
export function folderName(segment: string): string {
  const safe = segment.replace(/[^A-Za-z0-9._-]/g, '-');
  return safe === '' || /^\.+$/.test(safe) ? `_${safe}` : safe;
}

/** True when `candidate` is `root` or below it. */
export function isWithin(root: string, candidate: string): boolean {
  const relative = path.relative(root, candidate);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}

/** Writes files into one folder (atomically: temp file, then rename) and keeps the list of what it wrote. */
export class ArtifactWriter {
  private readonly written: Artifact[] = [];

  constructor(readonly dir: string) {}

  async write(relativePath: string, content: string | Buffer, mediaType: string): Promise<Artifact> {
    const target = path.join(this.dir, relativePath);
    await mkdir(path.dirname(target), { recursive: true });
    const temporary = `${target}.${randomUUID()}.tmp`;
    await writeFile(temporary, content);
    await rename(temporary, target);
    const artifact = { relativePath, mediaType, sizeBytes: Buffer.byteLength(content) };
    this.written.push(artifact);
    return artifact;
  }

  writeJson(relativePath: string, value: unknown): Promise<Artifact> {
    return this.write(relativePath, `${JSON.stringify(value, null, 2)}\n`, 'application/json');
  }

  get artifacts(): Artifact[] {
    return [...this.written];
  }
}

/** Reads a JSON file an upstream example job wrote; a missing file names the upstream to run first. */
export async function readUpstreamJson<T>(file: string, upstream: string): Promise<T> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as T;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT')
      throw new Error(`${file} does not exist: run ${upstream} first`);
    throw error;
  }
}
