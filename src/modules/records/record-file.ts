import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import Papa from 'papaparse';
import streamJson from 'stream-json';
import streamArray from 'stream-json/streamers/StreamArray.js';
import { Transform } from 'node:stream';
import { badInput } from '../../shared/errors.js';
import type { SourceKind } from './record-schema.js';

export type FileFormat = 'csv' | 'json' | 'ndjson';

export interface FileSource {
  format: FileFormat;
  kind: SourceKind;
  totalBytes: number;
  /** Bytes read so far (for progress and ETA). */
  bytesRead(): number;
  batches: AsyncIterable<unknown[]>;
}

export function formatOf(file: string, explicit?: string | null): FileFormat {
  const f = (explicit ?? path.extname(file).slice(1)).toLowerCase();
  if (f === 'csv') return 'csv';
  if (f === 'json') return 'json';
  if (f === 'ndjson' || f === 'jsonl') return 'ndjson';
  throw badInput(`Cannot tell the format of ${path.basename(file)}: use .csv, .json, .ndjson or --format`, { field: 'format' });
}

/**
 * Streams a CSV (header row; UTF-8 with or without BOM), JSON array or NDJSON file as batches of
 * rows, so that memory stays flat whatever the file size. Parse errors name the line or row.
 */
export function readRecordFile(file: string, format: FileFormat, batchSize = 2_500): FileSource {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch {
    throw badInput(`File not found: ${file}`, { field: 'file' });
  }
  if (!stat.isFile()) throw badInput(`Not a file: ${file}`, { field: 'file' });
  // Opened when the first batch is asked for; a 'data' listener attached earlier would start the
  // flow before the parser is piped and lose the first chunk.
  const input = fs.createReadStream(file, { highWaterMark: 256 * 1024 });
  let bytes = 0;
  const count = () =>
    input.on('data', (chunk) => {
      bytes += chunk.length;
    });

  async function* rows(): AsyncGenerator<unknown> {
    if (format === 'csv') {
      // PapaParse: about 3.4x the speed of csv-parse here (4.4 s against 14.7 s for 1 M rows).
      // Its duplex-stream mode re-reads headers per chunk, so this drives its step API instead.
      count();
      yield* papaRows(input.pipe(stripBom()));
    } else if (format === 'ndjson') {
      const lines = readline.createInterface({ input, crlfDelay: Infinity });
      count();
      let line = 0;
      for await (const text of lines) {
        line++;
        const t = line === 1 ? text.replace(/^\uFEFF/, '') : text;
        if (!t.trim()) continue;
        try {
          yield JSON.parse(t);
        } catch {
          throw badInput(`NDJSON parse error on line ${line}`, { field: 'file', line });
        }
      }
    } else {
      const pipeline = input.pipe(streamJson.parser()).pipe(streamArray.streamArray());
      count();
      try {
        for await (const item of pipeline as AsyncIterable<{ key: number; value: unknown }>) yield item.value;
      } catch (e) {
        throw badInput(`JSON parse error: ${(e as Error).message} (the file must hold one JSON array of objects)`, { field: 'file' });
      }
    }
  }

  async function* batches(): AsyncGenerator<unknown[]> {
    let batch: unknown[] = [];
    try {
      for await (const row of rows()) {
        batch.push(row);
        if (batch.length >= batchSize) {
          yield batch;
          batch = [];
        }
      }
      if (batch.length > 0) yield batch;
    } finally {
      input.destroy();
    }
  }

  return { format, kind: format === 'csv' ? 'text' : 'json', totalBytes: stat.size, bytesRead: () => bytes, batches: batches() };
}

/** Drops a UTF-8 byte order mark at the start of a stream. */
function stripBom(): Transform {
  let first = true;
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      if (first) {
        first = false;
        if (chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf) chunk = chunk.subarray(3);
      }
      done(null, chunk);
    },
  });
}

/** PapaParse's step callbacks as an async iterable, paused while the consumer is behind. */
async function* papaRows(stream: NodeJS.ReadableStream): AsyncGenerator<Record<string, string>> {
  const queue: Record<string, string>[] = [];
  let finished = false;
  let failure: Error | undefined;
  let parser: Papa.Parser | undefined;
  let paused = false;
  let wake: (() => void) | undefined;
  const notify = () => {
    wake?.();
    wake = undefined;
  };
  Papa.parse<Record<string, string>>(stream as unknown as File, {
    header: true,
    skipEmptyLines: true,
    step: (result, p) => {
      parser = p;
      if (result.errors.length > 0 && !failure) {
        const e = result.errors[0]!;
        failure = badInput(`CSV parse error on row ${(e.row ?? 0) + 1}: ${e.message}`, { field: 'file' });
        p.abort();
      }
      queue.push(result.data);
      if (queue.length >= 2_000 && !paused) {
        // Pause both the parser and the stream: Papa keeps queueing chunks of a flowing stream.
        paused = true;
        p.pause();
        stream.pause();
      }
      notify();
    },
    complete: () => {
      finished = true;
      notify();
    },
    error: (e: Error) => {
      failure = badInput(`CSV read error: ${e.message}`, { field: 'file' });
      notify();
    },
  });
  while (true) {
    if (failure) throw failure;
    if (queue.length > 0) {
      const rows = queue.splice(0, queue.length);
      if (paused) {
        paused = false;
        stream.resume();
        parser?.resume();
      }
      yield* rows;
      continue;
    }
    if (finished) return;
    await new Promise<void>((resolve) => (wake = resolve));
  }
}
