import { gzipSync } from 'node:zlib';

/** One file to put in an archive. */
export interface ArchiveEntry {
  /** Path inside the archive (`/`-separated, at most 100 bytes). */
  name: string;
  content: Buffer;
  modifiedAt: Date;
}

const BLOCK = 512;

function octal(value: number, width: number): string {
  return `${value.toString(8).padStart(width - 1, '0')}\0`;
}

/** A POSIX ustar header block for a regular file (mode 0644). */
function header(entry: ArchiveEntry): Buffer {
  const block = Buffer.alloc(BLOCK, 0);
  const name = Buffer.from(entry.name, 'utf8');
  if (name.length > 100) throw new Error(`archive entry name "${entry.name}" is longer than 100 bytes`);
  name.copy(block, 0);
  block.write(octal(0o644, 8), 100, 'ascii');
  block.write(octal(0, 8), 108, 'ascii');
  block.write(octal(0, 8), 116, 'ascii');
  block.write(octal(entry.content.length, 12), 124, 'ascii');
  block.write(octal(Math.floor(entry.modifiedAt.getTime() / 1000), 12), 136, 'ascii');
  block.write('        ', 148, 'ascii');
  block.write('0', 156, 'ascii');
  block.write('ustar\0', 257, 'ascii');
  block.write('00', 263, 'ascii');
  let checksum = 0;
  for (const byte of block) checksum += byte;
  block.write(`${checksum.toString(8).padStart(6, '0')}\0 `, 148, 'ascii');
  return block;
}

/**
 * A gzip-compressed POSIX tar (`tar -xzf` opens it) built with Node's `zlib` only: one header block per file,
 * the content padded to 512 bytes, two zero blocks at the end.
 */
export function tarGzip(entries: readonly ArchiveEntry[]): Buffer {
  const parts: Buffer[] = [];
  for (const entry of entries) {
    parts.push(header(entry), entry.content);
    const padding = (BLOCK - (entry.content.length % BLOCK)) % BLOCK;
    if (padding > 0) parts.push(Buffer.alloc(padding, 0));
  }
  parts.push(Buffer.alloc(BLOCK * 2, 0));
  return gzipSync(Buffer.concat(parts));
}
