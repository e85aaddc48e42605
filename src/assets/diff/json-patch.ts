import jsonPatch from 'fast-json-patch';

/** One RFC 6902 operation as the diff endpoint answers it. */
export type PatchOperation =
  | { op: 'add' | 'replace' | 'test'; path: string; value: unknown }
  | { op: 'remove'; path: string }
  | { op: 'move' | 'copy'; path: string; from: string };

const isContainer = (value: unknown): value is object => typeof value === 'object' && value !== null;

/**
 * The RFC 6902 JSON Patch that turns `from` into `to` (fast-json-patch's `compare` for objects and arrays). Payloads
 * may be any JSON, so a root that is not a container on either side is one whole-document `replace` (or nothing
 * when equal), which `compare` would silently answer with an empty patch.
 */
export function diffPayloads(from: unknown, to: unknown): PatchOperation[] {
  if (isContainer(from) && isContainer(to) && Array.isArray(from) === Array.isArray(to)) {
    return jsonPatch.compare(from, to) as PatchOperation[];
  }
  if (jsonPatch._areEquals(from, to)) return [];
  return [{ op: 'replace', path: '', value: to }];
}
