/**
 * The index Tollgate writes beside a Pwned Passwords SHA-1 list (FILE.tgidx): the list is about a billion
 * "HASH:COUNT" lines (some 40 GB of text), the index 10 bytes a line, looked up with one positioned read.
 *
 *   header   64 bytes: magic, version, record count, and the list's size and mtime (a new download is re-indexed)
 *   buckets  (2^20 + 1) uint32: the first record of each bucket, a bucket being the hash's first 20 bits
 *   records  10 bytes each, in hash order: the hash's bytes 2..7 (so 64 bits of it, counting the bucket's), then
 *            the count as uint32
 *
 * 64 bits keep a false match below one in ten billion lookups against a billion hashes (n / 2^64); the bucket table
 * (4 MB, the only part held in memory) narrows a lookup to about a thousand records at that size, read at once.
 */
export const MAGIC = Buffer.from('TGBREACH', 'latin1');
export const VERSION = 1;
export const BUCKET_BITS = 20;
export const BUCKETS = 2 ** BUCKET_BITS;
export const HEADER_BYTES = 64;
export const TABLE_BYTES = (BUCKETS + 1) * 4;
export const RECORDS_AT = HEADER_BYTES + TABLE_BYTES;
export const RECORD_BYTES = 10;
/** Where a record's hash part starts in the SHA-1, and its length. */
export const KEY_FROM = 2;
export const KEY_BYTES = 6;

export interface IndexHeader {
  records: number;
  /** The list the index was built from, as stat saw it: a different size or mtime means a new download. */
  sourceSize: number;
  sourceMtimeMs: number;
}

export function encodeHeader(header: IndexHeader): Buffer {
  const buf = Buffer.alloc(HEADER_BYTES);
  MAGIC.copy(buf, 0);
  buf.writeUInt32BE(VERSION, 8);
  buf.writeUInt32BE(BUCKET_BITS, 12);
  buf.writeBigUInt64BE(BigInt(header.records), 16);
  buf.writeBigUInt64BE(BigInt(header.sourceSize), 24);
  buf.writeDoubleBE(header.sourceMtimeMs, 32);
  return buf;
}

/** Undefined when `buf` is not a header this version writes. */
export function decodeHeader(buf: Buffer): IndexHeader | undefined {
  if (buf.length < HEADER_BYTES || !buf.subarray(0, 8).equals(MAGIC)) return undefined;
  if (buf.readUInt32BE(8) !== VERSION || buf.readUInt32BE(12) !== BUCKET_BITS) return undefined;
  return { records: Number(buf.readBigUInt64BE(16)), sourceSize: Number(buf.readBigUInt64BE(24)), sourceMtimeMs: buf.readDoubleBE(32) };
}

/** The bucket of a SHA-1: its first 20 bits. */
export function bucketOf(sha1: Buffer): number {
  return (sha1[0]! << 12) | (sha1[1]! << 4) | (sha1[2]! >> 4);
}

/** The part of a SHA-1 a record keeps, as a number (48 bits fit a double exactly). */
export function keyOf(sha1: Buffer): number {
  return sha1.readUIntBE(KEY_FROM, KEY_BYTES);
}

/** The count of the record whose key is `key` among `records` (a bucket's, read at once), 0 when none. */
export function searchRecords(records: Buffer, key: number): number {
  let low = 0;
  let high = records.length / RECORD_BYTES - 1;
  while (low <= high) {
    const mid = (low + high) >>> 1;
    const at = mid * RECORD_BYTES;
    const found = records.readUIntBE(at, KEY_BYTES);
    if (found === key) return records.readUInt32BE(at + KEY_BYTES);
    if (found < key) low = mid + 1;
    else high = mid - 1;
  }
  return 0;
}
