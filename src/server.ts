/** Composition root: builds the store, keys and services from a Config and mounts the HTTP layer. */
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import pino, { type DestinationStream, type Logger } from 'pino';
import type { Config } from './config/schema.ts';
import type { Store } from './storage/store.ts';
import { OutageMonitor, hostOf, logUnlessOutage } from './observability/outages.ts';
import { openStore, storeOptions } from './storage/open.ts';
import { argon2Hasher, decoyHash, type PasswordHasher } from './accounts/passwords.ts';
import { Accounts } from './accounts/authenticate.ts';
import { KeyRing } from './keys/keyring.ts';
import type { SigningAlg } from './protocol/algorithms.ts';
import { TokenIssuer } from './tokens/issuer.ts';
import { FamilyRevocation } from './tokens/family-revocation.ts';
import type { TokenServices } from './tokens/token-services.ts';
import { endpointsOf } from './endpoints/discovery.ts';
import { syncConfig } from './config/sync.ts';
import { issuerOf } from './config/issuer.ts';
import { MANAGEMENT_PREFIX, managementAudience } from './protocol/management-api.ts';
import { configuredContext, type ManagementContext } from './management/context.ts';
import { managementPlugin } from './management/router.ts';
import { auth0ErrorBody } from './management/error-shape.ts';
import { BODY_LIMIT, registerBodyParsers } from './http/body.ts';
import { registerErrorHandler } from './http/errors.ts';
import { requireSingleHeaders, serverOptions } from './http/hardening.ts';
import { capConnectionsPerIp } from './http/connection-cap.ts';
import { registerRoutes } from './http/routes.ts';
import { deprecationHeaders } from './http/legacy-routes.ts';
import { registerHealth } from './http/health.ts';
import { RequestLogController, logDestination, loggerOptions, requestLogger } from './http/logging.ts';
import { registerRequestIds, requestIdGenerator } from './http/request-ids.ts';
import { RequestScope } from './observability/request-scope.ts';
import { Observability } from './observability/observe.ts';
import { systemClock } from './clock.ts';
import { AuditLog } from './events/audit.ts';
import { IpList, type IpMatcher } from './protection/ip-list.ts';
import { LiveProtectionSettings } from './protection/live-settings.ts';
import { clientIp } from './protection/client-ip.ts';
import { LoginProtection } from './protection/login-protection.ts';
import { MemoryRateCounter, RequestRateLimit, type RateCounter } from './protection/rate-limit.ts';
import { ClientRateLimits, ownLimits } from './protection/client-rate-limit.ts';
import { setUpCache, type CacheSetup } from './cache/store.ts';
import { EPOCH_CHECK_MS } from './cache/epoch.ts';
import { SharedRateCounter } from './cache/rate-limit.ts';
import { clientProofs } from './client-proofs.ts';
import { Mfa } from './mfa/mfa.ts';
import { secretBoxFor } from './mfa/secret-box.ts';
import { enrolConfiguredOtp } from './mfa/configured-otp.ts';
import { mfaAudience } from './protocol/audiences.ts';
import { ActionPipeline } from './actions/pipeline.ts';
import { loadActions } from './actions/load.ts';
import { startHousekeeping } from './housekeeping.ts';
import { ImportJobs, failStaleJobs } from './management/import-jobs.ts';
import { breachedPasswords, type BreachedPasswords } from './breached/detection.ts';

export interface ServerOptions {
  /** Unix seconds; inject a frozen clock in tests. */
  now?: () => number;
  hasher?: PasswordHasher;
  /** Where logs go (default: stdout). */
  logStream?: DestinationStream;
  /** Use this store instead of opening config.storage. */
  store?: Store;
  /**
   * Where the request rate limit's buckets live without a cache (default: this process's memory); a cluster worker
   * passes the primary's, so the limit holds for the machine rather than per worker.
   */
  rateCounter?: RateCounter;
}

export interface Tollgate {
  app: FastifyInstance;
  store: Store;
  config: Config;
  log: Logger;
  /** The signing keys this node uses; `keys.reload()` reads them from the store now rather than within keys.cache_ttl. */
  keys: KeyRing;
  /** The import jobs this node runs; `jobs.idle()` resolves once none is running. */
  jobs: ImportJobs;
  /** Breached password detection; `breached.idle()` resolves once the notifications it sends in the background are out. */
  breached: BreachedPasswords;
  /** The metrics listener's URL when metrics are on (the public listener is opened by `app.listen`). */
  listeners: string[];
  /** From now on /health/ready answers 503 "draining", so load balancers stop sending requests; they are still served. */
  drain(): void;
  close(): Promise<void>;
}

/** Every algorithm in use gets a key: the configured one, and RS256 for public clients' ID tokens, as Auth0 does. */
function algorithmsInUse(config: Config): SigningAlg[] {
  const algs: SigningAlg[] = [config.tokens.signing_alg];
  if (config.clients.some((c) => c.token_endpoint_auth_method === 'none')) algs.push('RS256');
  return algs;
}

/** The token endpoint's request rate limit: shared through the cache when there is one, in memory otherwise. */
function requestLimiter(config: Config, deps: { cached: CacheSetup | undefined; audit: AuditLog; allowlist: IpMatcher; now: () => number; counter: RateCounter | undefined }) {
  const { rate_limit: limit } = config.attack_protection;
  if (!limit.enabled) return undefined;
  const { cached, audit, allowlist, now } = deps;
  const counter = cached
    ? new SharedRateCounter({ redis: cached.cache.redis, keyPrefix: cached.cache.keys.rateLimitPrefix, onUnavailable: () => void cached.outage.failed() })
    : deps.counter ?? new MemoryRateCounter(now);
  const perAddress = new RequestRateLimit({
    counter, allowlist, policy: { requestsPerSecond: limit.requests_per_second, burst: limit.burst },
    onLimited: (bucket) => void audit.emit('ip' in bucket
      ? { type: 'ip.rate_limited', outcome: 'failure', reason: 'rate_limit', ip: bucket.ip }
      : { type: 'ip.rate_limited', outcome: 'failure', reason: 'client_rate_limit', client_id: bucket.clientId }),
  });
  return { limit: perAddress, byClient: new ClientRateLimits(perAddress, ownLimits(config.clients)) };
}

/** Each request answered while a dependency is down counts towards that outage's report (failed: answered 5xx). */
function countRequestsDuringOutages(app: FastifyInstance, monitors: (OutageMonitor | undefined)[]): void {
  const watched = monitors.filter((monitor) => monitor !== undefined);
  app.addHook('onResponse', async (request, reply) => {
    for (const monitor of watched) {
      if (monitor.down && !request.url.startsWith('/health/')) monitor.request(reply.statusCode >= 500);
    }
  });
}

/** Requests being served now: how many a shutdown waits for (the stop line reports them). */
function countInFlight(app: FastifyInstance): { readonly count: number } {
  const counter = { count: 0 };
  app.addHook('onRequest', async () => { counter.count++; });
  app.addHook('onResponse', async () => { counter.count--; });
  return counter;
}

export async function createServer(config: Config, options: ServerOptions = {}): Promise<Tollgate> {
  const now = options.now ?? systemClock;
  const scope = new RequestScope();
  const log = pino(loggerOptions(config.log_level, () => scope.requestId()), options.logStream ?? await logDestination());
  let cached: CacheSetup | undefined;
  let storeOutages: OutageMonitor | undefined;
  let keyStore: Store | undefined;
  const observability = new Observability(config, scope, log, {
    dependencies: () => ({ store: !storeOutages?.down, ...(cached ? { cache: !cached.outage.monitor.down } : {}) }),
    signingKeyAges: async () => Object.fromEntries((await keyStore?.keys.listSigningKeys() ?? [])
      .filter((key) => key.state === 'current' && key.activated_at !== null).map((key) => [key.alg, now() - key.activated_at!])),
  });
  const hasher = observability.hasher(options.hasher ?? argon2Hasher(config.password_hashing));
  // A database across the network has outages; they are told to the log once each (observability/outages.ts).
  // The probe may run before the store has opened (its first connection failed): until then it fails as the store did.
  let opened: Store | undefined;
  storeOutages = options.store === undefined && !config.storage.startsWith('sqlite:')
    ? new OutageMonitor({ dependency: 'store', host: hostOf(config.storage), log, probe: () => opened ? opened.ping() : Promise.reject(new Error('not open')) })
    : undefined;
  const opening = options.store ?? await openStore(config.storage, { ...storeOptions(config), backgroundCheckpoints: true, watcher: storeOutages })
    .catch((err: unknown) => { storeOutages?.close(); throw err; });
  const sql: Store = observability.store(opening, config.storage.startsWith('sqlite:') ? 'sqlite' : 'postgresql');
  opened = sql;
  const audit = new AuditLog({
    store: sql.events, log, now, requestId: () => scope.requestId(), onEvent: observability.event, onDropped: observability.auditEventDropped,
  });
  cached = await setUpCache(sql, config, { audit, log, now });
  const store = cached?.store ?? sql;
  keyStore = sql;
  let closeKeys = () => {};
  let breached: BreachedPasswords | undefined;
  try {
    await syncConfig(store, config, hasher, now(), audit);
    const box = secretBoxFor(config);
    await enrolConfiguredOtp(store, config, box, now());
    // A job left unfinished by a process that exited is declared failed now rather than at the next housekeeping run.
    await failStaleJobs(store, now());
    const keys = await KeyRing.open(store, algorithmsInUse(config), {
      now, cacheTtl: config.keys.cache_ttl, onReloadError: (err) => logUnlessOutage(log, err, 'signing keys not reloaded'),
    });
    closeKeys = () => keys.close();
    const iss = issuerOf(config);
    const managementPath = `${new URL(iss).pathname.replace(/\/+$/, '')}${MANAGEMENT_PREFIX}`;
    const endpoints = endpointsOf(iss);
    const issuer = observability.traced(new TokenIssuer({
      issuer: iss, userinfoUrl: endpoints.userinfo, keys, alg: config.tokens.signing_alg, idTokenTtl: config.tokens.id_token_ttl, now,
    }), 'tokens');
    const protection = new LiveProtectionSettings({ store: store.settings, file: config.attack_protection, cacheTtlMs: config.storage_cache_ttl, now });
    for (const setting of await protection.applyFileEdits()) {
      log.info({ setting: `attack_protection.${setting}` }, 'the configuration file changed this setting since it was changed through the management API: the file\'s value applies');
    }
    await protection.current();
    // The request rate limit cannot wait for a read: it takes the allowlist last read (within storage_cache_ttl).
    const allowlist: IpMatcher = { has: (ip) => protection.latest().allowlist.has(ip) };
    const trustedProxies = new IpList(config.trusted_proxies);
    const rateLimit = requestLimiter(config, { cached, audit, allowlist, now, counter: options.rateCounter });
    const proofs = clientProofs(config, { issuer: iss, hasher, store, keys, trustedProxies, now });
    const families = new FamilyRevocation({ store, accessTokenTtl: config.tokens.access_token_ttl, now });
    const breachedChecks = breachedPasswords(config, { users: store.users, audit, log, now, waitForIndex: false },
      () => protection.latest().config.breached_password_detection);
    breached = breachedChecks;
    // Not awaited: logins pass unchecked until the index is ready (fail-open), and the log says when it is.
    if (protection.latest().config.breached_password_detection.enabled) breachedChecks.prepare().catch(() => {});
    const services: TokenServices = {
      accounts: new Accounts({ users: store.users, hasher, decoy: await decoyHash(hasher), now }),
      connections: store.connections,
      apis: store.apis,
      users: store.users,
      refreshTokens: store.refreshFamilies,
      legacyTokens: store.legacyTokens,
      families,
      issuer,
      policy: {
        accessTokenTtl: config.tokens.access_token_ttl,
        defaultConnection: config.default_connection ?? config.connections[0]!.name,
        defaultAudience: config.default_audience,
        managementAudience: managementAudience(iss),
      },
      protection: new LoginProtection({ store: store.attempts, audit, settings: () => protection.current(), now }),
      breached: breachedChecks,
      audit,
      mfa: new Mfa({
        store: store.mfa, once: store.singleUse, attempts: store.attempts, connections: store.connections, apis: store.apis, box, config: config.mfa, audit, log, now,
      }),
      actions: new ActionPipeline(await loadActions(config.actions), config.custom_claims.allow, audit),
      log,
      now,
    };

    const { https, clientAuth, dpop } = proofs;
    // While closing (SIGTERM), a request the node has already accepted is served, with Connection: close, rather
    // than answered 503: behind a load balancer that request has nowhere else to go. Fastify types an HTTPS
    // instance apart; every route here works the same over either.
    const app = Fastify({
      loggerInstance: log as FastifyBaseLogger, bodyLimit: BODY_LIMIT, return503OnClosing: false, ...serverOptions(config.http, https, (url) => (`${url}/`.startsWith(`${managementPath}/`) ? auth0ErrorBody : undefined)),
      genReqId: requestIdGenerator(trustedProxies), childLoggerFactory: requestLogger,
      logController: new RequestLogController({ requestIdLogLabel: 'request_id' }),
    }) as unknown as FastifyInstance;
    registerRequestIds(app, scope, observability.requestSpans);
    observability.register(app);
    const inFlight = countInFlight(app);
    capConnectionsPerIp(app.server, {
      max: config.http.max_connections_per_ip, exempt: (ip) => trustedProxies.has(ip) || allowlist.has(ip),
      onRefusing: (address) => log.warn({ address, max: config.http.max_connections_per_ip }, 'connections refused: this address holds as many as http.max_connections_per_ip allows'),
    });
    requireSingleHeaders(app);
    registerBodyParsers(app);
    registerErrorHandler(app);
    let draining = false;
    registerHealth(app, [
      { name: 'store', ping: () => store.ping() },
      ...(cached ? [{ name: 'cache', ping: () => cached.cache.ping(), optional: true, degraded: () => !cached.epoch.trusted }] : []),
    ], () => draining);
    countRequestsDuringOutages(app, [storeOutages, cached?.outage.monitor]);
    await app.register(async (scoped) => registerRoutes(scoped, {
      issuer: iss, clientIp: (request) => clientIp(request.socket.remoteAddress, request.headers, trustedProxies), rateLimit,
      clientCertificate: proofs.clientCertificate, features: proofs.features,
      token: { clients: store.clients, clientAuth, services, dpop, span: (name, work) => observability.span(name, work) }, lookup: { issuer, refreshTokens: store.refreshFamilies, denylist: store.denylist, clients: store.clients, legacyTokens: store.legacyTokens, families, now },
      users: store.users, connections: store.connections, apis: store.apis, keys, legacy: deprecationHeaders(config.legacy), cors: { clients: store.clients, mfa: store.mfa },
      mfa: { mfa: services.mfa, users: store.users, clients: store.clients, clientAuth, issuer, denylist: store.denylist, audience: mfaAudience(iss) },
    }), { prefix: new URL(iss).pathname.replace(/\/+$/, '') });
    const configured = configuredContext(config, hasher, breachedChecks);
    const jobs = new ImportJobs({ store, hasher, audit, now, log, ...configured });
    const management: ManagementContext = { store, hasher, audit, now, keys, jobs, families, protection, ...configured };
    const callers = { issuer, denylist: store.denylist, clients: store.clients, audience: services.policy.managementAudience };
    await app.register(async (scoped) => managementPlugin(scoped, { context: management, callers, issuer: iss, uploadLimit: config.management.import_max_bytes }),
      { prefix: managementPath });
    await app.ready();
    const listeners = await observability.listen();
    const housekeeping = startHousekeeping(store, config, now, log);
    if (cached) cached.epoch.watch(EPOCH_CHECK_MS);
    return {
      app, store, config, log, keys, jobs, breached: breachedChecks, listeners,
      drain() { draining = true; },
      async close() {
        const started = performance.now();
        const draining = inFlight.count;
        clearInterval(housekeeping);
        keys.close();
        await app.close();
        await observability.close();
        // After the last request, before the store goes: running jobs stop after their batch and are marked failed.
        await jobs.stop();
        // Events queued while the store was unreachable are written now, or counted in the log.
        await breachedChecks.close();
        await audit.close();
        storeOutages?.close();
        await store.close();
        log.info({ requests_drained: draining, duration_ms: Math.round(performance.now() - started) }, 'Tollgate stopped');
      },
    };
  } catch (err) {
    closeKeys();
    await observability.close();
    await breached?.close();
    await store.close();
    throw err;
  }
}
