import { gunzipSync } from 'node:zlib';
import { folderName } from '../example-output.js';
import { tarGzip } from './tar-archive.js';

function field(block: Buffer, offset: number, length: number): string {
  return block
    .subarray(offset, offset + length)
    .toString('ascii')
    .replace(/\0.*$/s, '')
    .trim();
}

describe('tarGzip', () => {
  const modifiedAt = new Date('2025-01-02T03:04:05Z');
  const tar = gunzipSync(
    tarGzip([
      { name: 'report/a.json', content: Buffer.from('{"a":1}\n'), modifiedAt },
      { name: 'report/b.md', content: Buffer.alloc(600, 'x'), modifiedAt },
    ]),
  );

  it('writes ustar headers with valid checksums, sizes and times', () => {
    const header = tar.subarray(0, 512);
    expect(field(header, 0, 100)).toBe('report/a.json');
    expect(field(header, 257, 6)).toBe('ustar');
    expect(parseInt(field(header, 124, 12), 8)).toBe(8);
    expect(parseInt(field(header, 136, 12), 8)).toBe(modifiedAt.getTime() / 1000);
    const unsigned = Buffer.from(header);
    unsigned.fill(' ', 148, 156);
    expect(parseInt(field(header, 148, 8), 8)).toBe(unsigned.reduce((sum, byte) => sum + byte, 0));
  });

  it('pads contents to 512-byte blocks and ends with two zero blocks', () => {
    const second = tar.subarray(1024, 1536);
    expect(field(second, 0, 100)).toBe('report/b.md');
    expect(parseInt(field(second, 124, 12), 8)).toBe(600);
    expect(tar.length).toBe(512 + 512 + 512 + 1024 + 1024);
    expect(tar.subarray(tar.length - 1024).every((byte) => byte === 0)).toBe(true);
  });

  it('refuses names longer than 100 bytes', () => {
    expect(() => tarGzip([{ name: 'x'.repeat(101), content: Buffer.alloc(0), modifiedAt }])).toThrow(
      'longer than 100 bytes',
    );
  });
});

describe('folderName', () => {
  it('keeps keys that are safe folder names and replaces anything else', () => {
    expect(folderName('2024-01-01')).toBe('2024-01-01');
    expect(folderName('instrument_A')).toBe('instrument_A');
    expect(folderName('2025-08-01T12:15')).toBe('2025-08-01T12-15');
    expect(folderName('../etc/passwd')).toBe('..-etc-passwd');
    expect(folderName('..')).toBe('_..');
    expect(folderName('')).toBe('_');
  });
});
