import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readRecordFile, type FileFormat } from '../record-file.js';
import type { TextRows } from '../record-schema.js';

/** Reading import files: CSV rows (header, quoting, BOM, encodings), JSON and NDJSON, parse errors. */

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lgsp-record-file-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

let n = 0;
function file(content: string | Buffer, ext = 'csv'): string {
  const p = path.join(dir, `f${++n}.${ext}`);
  fs.writeFileSync(p, content);
  return p;
}

/** Every row of a file as objects keyed by column (CSV) or as parsed (JSON). */
async function rowsOf(p: string, format: FileFormat = 'csv', batchSize?: number): Promise<unknown[]> {
  const source = readRecordFile(p, format, batchSize);
  const out: unknown[] = [];
  for await (const batch of source.batches) out.push(...(Array.isArray(batch) ? batch : (batch as TextRows).rows()));
  return out;
}

async function errorOf(p: string, format: FileFormat = 'csv'): Promise<string> {
  try {
    await rowsOf(p, format);
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('expected the file to be refused');
}

describe('CSV', () => {
  it('header, quoted commas and quotes, CRLF, BOM, empty cells and empty lines', async () => {
    const p = file(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('ma,ten,dia_chi\r\nH1,"Lê ""Bé"" Ánh","Xã Long Hưng, huyện Châu Thành"\r\n\r\nH2,,\r\n')]));
    expect(await rowsOf(p)).toEqual([
      { ma: 'H1', ten: 'Lê "Bé" Ánh', dia_chi: 'Xã Long Hưng, huyện Châu Thành' },
      { ma: 'H2', ten: '', dia_chi: '' },
    ]);
  });

  it('a delimiter other than a comma is recognised; a repeated header name becomes name_1', async () => {
    expect(await rowsOf(file('a;b;a\n1;2;3\n'))).toEqual([{ a: '1', b: '2', a_1: '3' }]);
  });

  it('Vietnamese text is intact wherever the file is cut into read chunks', async () => {
    // Multi-byte characters straddle the reader's chunk boundaries somewhere in a file this size.
    const lines = ['ma,ho_ten'];
    for (let i = 0; i < 40_000; i++) lines.push(`H${i},Nguyễn Thị Hồng Ánh ${i} — Đặng Quốc Bảo`);
    const rows = (await rowsOf(file(lines.join('\n') + '\n'))) as { ma: string; ho_ten: string }[];
    expect(rows).toHaveLength(40_000);
    const bad = rows.filter((r, i) => r.ho_ten !== `Nguyễn Thị Hồng Ánh ${i} — Đặng Quốc Bảo` || r.ma !== `H${i}`);
    expect(bad).toEqual([]);
  });

  it('rows come in batches of the size asked for', async () => {
    const lines = ['a'];
    for (let i = 0; i < 1234; i++) lines.push(String(i));
    const sizes: number[] = [];
    for await (const batch of readRecordFile(file(lines.join('\n')), 'csv', 500).batches) sizes.push(batch.length);
    expect(sizes).toEqual([500, 500, 234]);
  });

  it('parse errors name the data row (the header not counted)', async () => {
    expect(await errorOf(file('a,b\n1,2\n3,4\n5,"6\n7,8\n'))).toBe('CSV parse error on row 3: Quoted field unterminated');
    expect(await errorOf(file('a,b\n1,2\n\n3,4,5\n'))).toBe('CSV parse error on row 2: Too many fields: expected 2 fields but parsed 3');
    expect(await errorOf(file('a,b\n1,2\n3\n'))).toBe('CSV parse error on row 2: Too few fields: expected 2 fields but parsed 1');
  });

  it('a row left unfinished (a stray quote) is refused once it passes the row bound, not held to the end of the file', async () => {
    const lines = ['a,b', '1,2', '3,"4'];
    for (let i = 0; i < 20_000; i++) lines.push(`${i},dòng ${i}`);
    const p = file(lines.join('\n') + '\n');
    const source = readRecordFile(p, 'csv', 500, 64 * 1024);
    let message = '';
    try {
      for await (const _ of source.batches) void _;
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toBe('CSV parse error on row 2: the row is longer than 64 KB (is a quoted field left open?)');
    expect(source.bytesRead()).toBeLessThan(fs.statSync(p).size / 2);
    // Under the bound the same file reads to its end and names the unterminated field.
    expect(await errorOf(p)).toBe('CSV parse error on row 2: Quoted field unterminated');
  });

  it('a missing file is a user error', async () => {
    expect(() => readRecordFile(path.join(dir, 'none.csv'), 'csv')).toThrow(/File not found/);
  });
});

describe('JSON and NDJSON', () => {
  it('a JSON array of objects', async () => {
    expect(await rowsOf(file('[{"a":1},{"a":"Đức"}]', 'json'), 'json')).toEqual([{ a: 1 }, { a: 'Đức' }]);
  });

  it('NDJSON with a BOM and blank lines; a bad line is named', async () => {
    expect(await rowsOf(file('\uFEFF{"a":1}\n\n{"a":2}\n', 'ndjson'), 'ndjson')).toEqual([{ a: 1 }, { a: 2 }]);
    expect(await errorOf(file('{"a":1}\n{"a":\n', 'ndjson'), 'ndjson')).toBe('NDJSON parse error on line 2');
  });
});

describe('CSV bytes that are not UTF-8', () => {
  it('read as a decoder reads them: U+FFFD for each bad sequence, a character cut at the end too', async () => {
    const p = file(Buffer.concat([Buffer.from('a,b\nx\xff,ok\n', 'latin1'), Buffer.from('Đức,'), Buffer.from([0xe1, 0xba])]));
    expect(await rowsOf(p)).toEqual([
      { a: 'x\ufffd', b: 'ok' },
      { a: 'Đức', b: '\ufffd' },
    ]);
  });
});
