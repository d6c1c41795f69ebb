/**
 * A synthetic Pwned Passwords SHA-1 list for the index benchmark: `count` "HASH:COUNT" lines in ascending hash order,
 * made by a generator and written as they come, so even 100 million lines (4.5 GB) take no memory. Hashes are
 * spread evenly: line i's first 32 bits lie in [floor(i·step), floor(i·step) + floor(step)), step = 2^32 / count
 * (at least 2), so they strictly increase; the other 128 bits are random. Every `sampleEvery`-th hash is kept, to be
 * looked up afterwards.
 */
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';

const LINES_PER_WRITE = 10_000;

function* lines(count: number, sampled: Buffer[], sampleEvery: number): Generator<string> {
  const step = 2 ** 32 / count;
  if (step < 2) throw new Error('at most 2^31 hashes');
  const width = Math.floor(step);
  for (let start = 0; start < count; start += LINES_PER_WRITE) {
    const n = Math.min(LINES_PER_WRITE, count - start);
    const random = randomBytes(n * 20);
    let text = '';
    for (let j = 0; j < n; j++) {
      const i = start + j;
      const top = Math.floor(i * step) + (random.readUInt32BE(j * 20 + 16) % width);
      const hash = Buffer.allocUnsafe(20);
      hash.writeUInt32BE(top, 0);
      random.copy(hash, 4, j * 20, j * 20 + 16);
      if (i % sampleEvery === 0) sampled.push(hash);
      text += `${hash.toString('hex').toUpperCase()}:${1 + (random[j * 20]! % 200)}\r\n`;
    }
    yield text;
  }
}

/** Writes the list to `path`; resolves with the sampled hashes (20 bytes each). */
export async function writePwnedList(path: string, count: number, sampleEvery: number): Promise<Buffer[]> {
  const sampled: Buffer[] = [];
  const out = createWriteStream(path, { highWaterMark: 1 << 20 });
  for (const text of lines(count, sampled, sampleEvery)) {
    if (!out.write(text)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  return sampled;
}
