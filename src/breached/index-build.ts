/**
 * Builds the index of a Pwned Passwords SHA-1 list (index-format.ts) in one streaming pass: the list is read in
 * 1 MB chunks and the records written in 1 MB batches, so memory stays flat whatever its size (about a billion
 * lines). Every line is checked ("HASH:COUNT", hashes strictly ascending): a list in another order (the older
 * downloads ordered by prevalence, a concatenation) or of another hash (NTLM) is refused with the line that shows it.
 * The index is written to a temporary file and renamed into place, so a crash never leaves half an index.
 */
import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, readdir, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { BUCKETS, HEADER_BYTES, KEY_BYTES, KEY_FROM, RECORD_BYTES, RECORDS_AT, encodeHeader } from './index-format.ts';

export class BreachListFormatError extends Error {
  constructor(file: string, message: string) {
    super(`${file}: ${message}`);
    this.name = 'BreachListFormatError';
  }
}

const CHUNK = 1 << 20;
const HEX = new Int8Array(256).fill(-1);
for (let i = 0; i < 16; i++) {
  HEX['0123456789ABCDEF'.charCodeAt(i)] = i;
  HEX['0123456789abcdef'.charCodeAt(i)] = i;
}
const COLON = 0x3a;
const CR = 0x0d;
const LF = 0x0a;

/**
 * The temporary files of builds in processes that are gone (killed mid-build) are removed before a new one starts;
 * those of live processes, this one included, are builds in progress.
 */
async function removeAbandoned(index: string): Promise<void> {
  const prefix = `${basename(index)}.partial-`;
  for (const name of await readdir(dirname(index))) {
    if (!name.startsWith(prefix)) continue;
    const pid = Number.parseInt(name.slice(prefix.length), 10);
    if (Number.isInteger(pid) && isAlive(pid)) continue;
    await unlink(join(dirname(index), name)).catch(() => {});
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Writes `index` from `source`; resolves with the number of hashes. Throws BreachListFormatError for a bad list. */
export async function buildIndex(source: string, index: string): Promise<number> {
  const listed = await stat(source);
  await removeAbandoned(index);
  // The pid says whose it is (removeAbandoned); the random part keeps two builds in one process apart.
  const partial = `${index}.partial-${process.pid}-${randomBytes(4).toString('hex')}`;
  const out = await open(partial, 'w');
  try {
    const records = await writeRecords(source, out);
    const header = encodeHeader({ records: records.count, sourceSize: listed.size, sourceMtimeMs: listed.mtimeMs });
    await out.write(header, 0, HEADER_BYTES, 0);
    await out.write(Buffer.from(records.table.buffer), 0, (BUCKETS + 1) * 4, HEADER_BYTES);
    await out.sync();
    await out.close();
    await rename(partial, index);
    return records.count;
  } catch (err) {
    await out.close().catch(() => {});
    await unlink(partial).catch(() => {});
    throw err;
  }
}

/** Parses the list and writes its records after the table's place; returns their count and the bucket table. */
async function writeRecords(source: string, out: Awaited<ReturnType<typeof open>>): Promise<{ count: number; table: Uint32Array }> {
  // Big-endian on disk whatever the machine: filled through a DataView.
  const table = new Uint32Array(BUCKETS + 1);
  const view = new DataView(table.buffer);
  const batch = Buffer.allocUnsafe(CHUNK - (CHUNK % RECORD_BYTES));
  let filled = 0;
  let written = RECORDS_AT;
  let count = 0;
  let line = 0;
  let bucket = 0;
  let previous = Buffer.alloc(20);
  let current = Buffer.alloc(20);
  let carry: Buffer = Buffer.alloc(0);
  const fail = (message: string): never => {
    throw new BreachListFormatError(source, `line ${line}: ${message}`);
  };
  const flush = async () => {
    await out.write(batch, 0, filled, written);
    written += filled;
    filled = 0;
  };
  /** One line, without its end; `data` from `start`, `end` excluded. */
  const take = (data: Buffer, start: number, end: number) => {
    line++;
    if (end > start && data[end - 1] === CR) end--;
    if (end === start) return;
    if (end - start < 42 || data[start + 40] !== COLON) fail('not "HASH:COUNT" with a 40-character SHA-1 (is it the NTLM list?)');
    for (let i = 0; i < 20; i++) {
      const high = HEX[data[start + 2 * i]!]!;
      const low = HEX[data[start + 2 * i + 1]!]!;
      if (high < 0 || low < 0) fail('the hash is not hexadecimal');
      current[i] = (high << 4) | low;
    }
    let value = 0;
    for (let i = start + 41; i < end; i++) {
      const digit = data[i]! - 0x30;
      if (digit < 0 || digit > 9) fail('the count is not a number');
      value = value * 10 + digit;
    }
    if (count > 0 && Buffer.compare(current, previous) <= 0) {
      fail('hashes are not in ascending order: use the list ordered by hash (as haveibeenpwned-downloader writes it), not one ordered by prevalence');
    }
    if (count >= 0xffffffff) fail('more than 4,294,967,295 hashes');
    const b = (current[0]! << 12) | (current[1]! << 4) | (current[2]! >> 4);
    while (bucket < b) view.setUint32(++bucket * 4, count);
    current.copy(batch, filled, KEY_FROM, KEY_FROM + KEY_BYTES);
    batch.writeUInt32BE(Math.min(value, 0xffffffff), filled + KEY_BYTES);
    filled += RECORD_BYTES;
    count++;
    [previous, current] = [current, previous];
  };
  for await (const chunk of createReadStream(source, { highWaterMark: CHUNK }) as AsyncIterable<Buffer>) {
    const data = carry.length > 0 ? Buffer.concat([carry, chunk]) : chunk;
    let start = 0;
    for (let newline = data.indexOf(LF, start); newline >= 0; newline = data.indexOf(LF, start)) {
      take(data, start, newline);
      start = newline + 1;
      if (filled === batch.length) await flush();
    }
    carry = data.subarray(start);
    if (carry.length > 4096) fail('a line longer than 4096 bytes');
  }
  if (carry.length > 0) take(carry, 0, carry.length);
  await flush();
  while (bucket < BUCKETS) view.setUint32(++bucket * 4, count);
  return { count, table };
}
