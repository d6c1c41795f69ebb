/**
 * method file: lookups in a local Pwned Passwords SHA-1 list through its index (index-format.ts), built beside it on
 * first use and again whenever the list's size or mtime changes (a new download). A lookup is one positioned read of
 * a bucket's records (about 10 KB for the full list), in the page cache once warm; the index is never loaded into the heap.
 */
import { readSync } from 'node:fs';
import { open, stat, type FileHandle } from 'node:fs/promises';
import { BreachListUnavailableError, type BreachLookup } from './lookup.ts';
import { buildIndex } from './index-build.ts';
import { HEADER_BYTES, RECORD_BYTES, RECORDS_AT, TABLE_BYTES, bucketOf, decodeHeader, keyOf, searchRecords } from './index-format.ts';

export interface FileListOptions {
  /** The list (attack_protection.breached_password_detection.file); the index is FILE.tgidx. */
  file: string;
  /**
   * While the index is being built (minutes for the full list), lookups wait for it (the CLI) or fail open at once
   * (a node: a login must not wait minutes). Either way the build runs once.
   */
  waitForIndex: boolean;
  /** Told when a build starts and ends, or fails (a list that is not sorted, a disk that is full). */
  onBuild?: (event: { phase: 'started' } | { phase: 'finished'; hashes: number; ms: number } | { phase: 'failed'; error: Error }) => void;
}

interface OpenIndex {
  handle: FileHandle;
  /** The bucket table, big-endian uint32s: 4 MB. */
  table: Buffer;
}

export const indexPathOf = (file: string) => `${file}.tgidx`;

export class FileList implements BreachLookup {
  readonly #options: FileListOptions;
  #index: Promise<OpenIndex> | undefined;
  #ready: OpenIndex | undefined;
  #scratch = Buffer.alloc(0);

  constructor(options: FileListOptions) {
    this.#options = options;
  }

  /** Opens the index, building it first when it is missing or stale; a second call shares the first. */
  prepare(): Promise<OpenIndex> {
    this.#index ??= this.#open().then((index) => {
      this.#ready = index;
      return index;
    });
    // A failed build is retried at the next lookup (the operator may have fixed the file meanwhile).
    this.#index.catch(() => {
      this.#index = undefined;
    });
    return this.#index;
  }

  async count(sha1: Buffer): Promise<number> {
    const index = this.#ready ?? (this.#options.waitForIndex ? await this.#prepared() : this.#notYet());
    const bucket = bucketOf(sha1);
    const first = index.table.readUInt32BE(bucket * 4);
    const length = (index.table.readUInt32BE(bucket * 4 + 4) - first) * RECORD_BYTES;
    if (length === 0) return 0;
    if (this.#scratch.length < length) this.#scratch = Buffer.allocUnsafe(length * 2);
    // One buffer serves every lookup (read and searched with no await between), so lookups make no garbage.
    const records = this.#scratch.subarray(0, length);
    // A synchronous positioned read: from the page cache it takes microseconds, where a trip through libuv's thread
    // pool (shared with argon2 and the store) costs milliseconds under load. A cold disk makes it one seek.
    const bytesRead = readSync(index.handle.fd, records, 0, length, RECORDS_AT + first * RECORD_BYTES);
    if (bytesRead !== length) throw new BreachListUnavailableError('bad_answer', `the index of ${this.#options.file} is shorter than it says`);
    return searchRecords(records, keyOf(sha1));
  }

  async close(): Promise<void> {
    const index = await this.#index?.catch(() => undefined);
    this.#index = undefined;
    this.#ready = undefined;
    await index?.handle.close();
  }

  async #prepared(): Promise<OpenIndex> {
    try {
      return await this.prepare();
    } catch (err) {
      throw new BreachListUnavailableError('index_not_ready', (err as Error).message);
    }
  }

  #notYet(): never {
    this.prepare().catch(() => {});
    throw new BreachListUnavailableError('index_not_ready', `the index of ${this.#options.file} is not ready (being built, or its last build failed)`);
  }

  async #open(): Promise<OpenIndex> {
    const { file, onBuild } = this.#options;
    const listed = await stat(file);
    const path = indexPathOf(file);
    const existing = await openIfCurrent(path, listed);
    if (existing) return existing;
    onBuild?.({ phase: 'started' });
    const started = performance.now();
    try {
      const hashes = await buildIndex(file, path);
      onBuild?.({ phase: 'finished', hashes, ms: Math.round(performance.now() - started) });
    } catch (err) {
      onBuild?.({ phase: 'failed', error: err as Error });
      throw err;
    }
    const built = await openIfCurrent(path, listed);
    if (!built) throw new Error(`${path}: the index just built does not match ${file} (did the list change meanwhile?)`);
    return built;
  }
}

/** The index at `path`, when it exists and was built from the list as `listed` describes it. */
async function openIfCurrent(path: string, listed: { size: number; mtimeMs: number }): Promise<OpenIndex | undefined> {
  const handle = await open(path, 'r').catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return undefined;
    throw err;
  });
  if (!handle) return undefined;
  const start = Buffer.alloc(HEADER_BYTES + TABLE_BYTES);
  const { bytesRead } = await handle.read(start, 0, start.length, 0);
  const header = decodeHeader(start);
  const { size } = await handle.stat();
  if (bytesRead !== start.length || !header || header.sourceSize !== listed.size || header.sourceMtimeMs !== listed.mtimeMs
    || size !== RECORDS_AT + header.records * RECORD_BYTES) {
    await handle.close();
    return undefined;
  }
  return { handle, table: start.subarray(HEADER_BYTES) };
}
