/** Runs the `tollgate` binary as an operator would, on a throwaway configuration and SQLite database. */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

export const BIN = new URL('../../bin/tollgate.ts', import.meta.url).pathname;

export interface Run { code: number | null; stdout: string; stderr: string }

/** `tollgate ...args` with `stdin` piped in (in `cwd`, by default this process's); TOLLGATE_CONFIG is cleared so only --config counts. */
export function tollgate(args: string[], stdin = '', options: { cwd?: string } = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, TOLLGATE_CONFIG: '' }, cwd: options.cwd });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin);
  });
}

/**
 * A configuration file in a fresh directory, its store a SQLite file next to it (databaseOf); `extra` is appended
 * YAML; `connections` replaces the two default connections (a YAML flow list). The database file is created empty
 * (SQLite's empty database), as `tollgate migrate` would: commands other than migrate and serve refuse to create one.
 */
export function configFile(extra = '', connections = '[{ name: customers }, { name: employees }]'): string {
  const dir = mkdtempSync(join(tmpdir(), 'tollgate-cli-'));
  const file = join(dir, 'tollgate.yaml');
  writeFileSync(file, `storage: sqlite:${databaseOf(file)}
password_hashing: { memory_cost: 64, time_cost: 1 }
log_level: warn
connections: ${connections}
clients:
  - { client_id: app, token_endpoint_auth_method: none, grant_types: [password] }
${extra}`);
  writeFileSync(databaseOf(file), '');
  return file;
}

/** The SQLite file the configuration written by configFile points at. */
export function databaseOf(configFile: string): string {
  return join(dirname(configFile), 'db.sqlite');
}

/** A `tollgate serve` process: where it listens, what it printed, and how to stop it. */
export interface ServeProcess {
  url: string;
  port: number;
  child: ChildProcess;
  /** Everything it wrote to stdout and stderr so far, for failure messages. */
  output(): string;
  /** Its exit code, once it has exited. */
  exited: Promise<number | null>;
  /** Sends `signal` (SIGTERM by default) unless it has exited already; resolves to its exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Spawns `tollgate serve --config file --port port` and resolves once it prints the URL it listens on. */
export function serve(file: string, port = 0): Promise<ServeProcess> {
  const child = spawn(process.execPath, [BIN, 'serve', '--config', file, '--port', String(port)], { env: { ...process.env, TOLLGATE_CONFIG: '' } });
  let out = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const stop = async (signal: NodeJS.Signals = 'SIGTERM') => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    return exited;
  };
  return new Promise((resolve, reject) => {
    let listening = false;
    child.stdout.on('data', (d) => {
      out += d;
      const url = listening ? undefined : /^Tollgate listening on (http:\/\/\S+)/m.exec(out)?.[1];
      if (url === undefined) return;
      listening = true;
      resolve({ url, port: Number(new URL(url).port), child, output: () => out, exited, stop });
    });
    child.stderr.on('data', (d) => (out += d));
    child.once('error', reject);
    void exited.then((code) => reject(new Error(`tollgate serve exited with ${code} before listening:\n${out}`)));
  });
}
