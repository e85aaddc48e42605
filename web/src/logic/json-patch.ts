/** One RFC 6902 operation as the diff endpoint answers it. */
export interface PatchOperation {
  op: string;
  path: string;
  from?: string;
  value?: unknown;
}

/** A short human line per operation: `replace /total → 2`, `remove /rows/1`, `add (whole payload)`. */
export function describeOperation(operation: PatchOperation): string {
  const where = operation.path === '' ? '(whole payload)' : operation.path;
  if (operation.op === 'remove') return `remove ${where}`;
  if (operation.op === 'move' || operation.op === 'copy') return `${operation.op} ${operation.from} → ${where}`;
  const value = JSON.stringify(operation.value);
  const shown = value === undefined ? 'null' : value.length > 80 ? `${value.slice(0, 79)}…` : value;
  return `${operation.op} ${where} → ${shown}`;
}
