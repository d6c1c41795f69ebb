/** `tollgate keys list|rotate|revoke`: the signing key lifecycle, for operators with direct store access. */
import { SIGNING_ALGS, type SigningAlg } from '../protocol/algorithms.ts';
import { listKeys, revokeKey, rotateKeys, type KeyView } from '../management/keys.ts';
import { dispatch, parseArguments, parseOptions } from './args.ts';
import { EXIT, UsageError, isoTime, loadConfig, tsv } from './io.ts';
import { withManagement } from './store.ts';

const HELP = `Usage:
  tollgate keys list [--json] [--config FILE]
  tollgate keys rotate [--alg ALG] [--config FILE]
  tollgate keys revoke [--config FILE] [--] KID

A signing key is next (published in the JWKS ahead of use), current (signs; one per algorithm), previous (no longer
signs, still published so the tokens it signed verify until they expire) or revoked (gone from the JWKS, and tokens
it signed are rejected). "rotate" makes the next key of ALG (default: tokens.signing_alg) current, the current one
previous, and announces a new next one; "revoke" retires a previous (or next) key for good, never the current one.
Every node picks up a change within keys.cache_ttl seconds. A KID that starts with "-" goes after "--".
`;

const COLUMNS = ['kid', 'alg', 'state', 'created', 'activated', 'retired', 'revoked'];

function describe(k: KeyView): string[] {
  return [k.kid, k.alg, k.state, ...[k.created_at, k.activated_at, k.retired_at, k.revoked_at].map((at) => (at === null ? '-' : isoTime(at)))];
}

async function list(args: string[]): Promise<number | void> {
  const opts = parseOptions(args, { config: { type: 'string' }, json: { type: 'boolean' } }, HELP);
  if (!opts) return;
  const { config } = loadConfig(opts.config);
  // Never a private part, not even a public one: the JWKS endpoint publishes those.
  const keys = await withManagement(config, listKeys);
  if (opts.json) {
    process.stdout.write(`${JSON.stringify(keys, null, 2)}\n`);
    return;
  }
  if (keys.length === 0) process.stdout.write('no signing keys (a node makes them when it starts)\n');
  else process.stdout.write(tsv(COLUMNS, keys.map(describe)));
}

async function rotate(args: string[]): Promise<number | void> {
  const opts = parseOptions(args, { config: { type: 'string' }, alg: { type: 'string' } }, HELP);
  if (!opts) return;
  if (opts.alg !== undefined && !SIGNING_ALGS.includes(opts.alg as SigningAlg)) {
    throw new UsageError(`--alg: unknown signing algorithm "${opts.alg}" (one of: ${SIGNING_ALGS.join(', ')})`);
  }
  const { config } = loadConfig(opts.config);
  const alg = (opts.alg as SigningAlg | undefined) ?? config.tokens.signing_alg;
  return withManagement(config, async (ctx) => {
    const rotation = await rotateKeys(ctx, null, alg);
    if (!rotation) {
      process.stderr.write(`tollgate: there is no current ${alg} key to rotate: ${alg} is not in use, or no node has started on this store yet\n`);
      return EXIT.failure;
    }
    process.stdout.write(`rotated ${alg}: ${rotation.current.kid} is current, the key it replaces is previous (still published); ${rotation.next.kid} is next\n`
      + `every node signs with the new key within keys.cache_ttl (${config.keys.cache_ttl} s)\n`);
  });
}

async function revoke(args: string[]): Promise<number | void> {
  const parsed = parseArguments(args, { config: { type: 'string' } }, HELP, 1);
  if (!parsed) return;
  const [kid] = parsed.positionals;
  if (kid === undefined) throw new UsageError(`the KID to revoke is required ("tollgate keys list" shows them)\n\n${HELP}`);
  const { config } = loadConfig(parsed.values.config);
  return withManagement(config, async (ctx) => {
    const revocation = await revokeKey(ctx, null, kid);
    switch (revocation.outcome) {
      case 'unknown':
        process.stderr.write(`tollgate: no signing key "${kid}"\n`);
        return EXIT.failure;
      case 'current':
        process.stderr.write(`tollgate: ${kid} is the current ${revocation.key.alg} key and signs new tokens, so it cannot be revoked. `
          + `Run "tollgate keys rotate --alg ${revocation.key.alg}" first; it then stays published as previous until you revoke it.\n`);
        return EXIT.failure;
      case 'already_revoked':
        process.stdout.write(`${kid} was already revoked (${isoTime(revocation.key.revoked_at!)})\n`);
        return;
      case 'revoked': {
        const { before, replacement } = revocation;
        process.stdout.write(`revoked ${kid} (${before.state} ${before.alg} key): every node stops publishing it and rejects the tokens it signed `
          + `within keys.cache_ttl (${config.keys.cache_ttl} s)\n${replacement ? `${replacement.kid} is the new next key\n` : ''}`);
      }
    }
  });
}

export const keys = (args: string[]) => dispatch('keys', args, { list, rotate, revoke }, HELP);
