/**
 * The container image, compose file and Kubernetes manifests, checked without a container engine: each file parses,
 * and what one file promises another keeps (the proxy compose trusts is the one in front, the nodes wait for the
 * migration, the probes ask the health endpoints Tollgate serves, every ${VAR} a configuration needs is provided).
 * scripts/container-smoke.sh builds and runs the image where an engine exists.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { parse, parseAllDocuments } from 'yaml';
import { parseConfig } from '../../../src/config/load.ts';
import { IpList } from '../../../src/protection/ip-list.ts';

const root = new URL('../../../', import.meta.url);
const read = (path: string) => readFileSync(new URL(path, root), 'utf8');
type Doc = Record<string, any>;

/** The ${VAR} names a configuration text substitutes. */
const variablesOf = (text: string) => [...text.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-[^}]*)?\}/g)].map((m) => m[1]!);
const fakeEnv = (names: string[]) => Object.fromEntries(names.map((name) => [name, name.endsWith('_KEY') ? 'k'.repeat(44) : `${name.toLowerCase()}-value-0123456789-abcdefghij`]));

test('Dockerfile: two stages, production dependencies only, a non-root user, HEALTHCHECK on /health/ready, SQLite in a volume', () => {
  const dockerfile = read('Dockerfile');
  assert.equal(dockerfile.match(/^FROM /gm)?.length, 2, 'multi-stage');
  assert.match(dockerfile, /npm ci --omit=dev/);
  assert.match(dockerfile, /^USER 10001:10001$/m);
  assert.match(dockerfile, /^HEALTHCHECK .*\n\s+CMD .*http:\/\/127\.0\.0\.1:8080\/health\/ready/m);
  assert.match(dockerfile, /^VOLUME \["\/var\/lib\/tollgate"\]$/m);
  assert.match(dockerfile, /^ENTRYPOINT \["node", "bin\/tollgate\.ts"\]$/m);
  const config = parseConfig(parse(read('deploy/container/tollgate.yaml')), 'image', {});
  assert.equal(config.storage, 'sqlite:/var/lib/tollgate/tollgate.db', 'the database in the volume, so the root file system can be read-only');
  assert.deepEqual([config.host, config.port], ['0.0.0.0', 8080], 'the port HEALTHCHECK asks');
  const ignore = read('.dockerignore').split('\n').filter((line) => line && !line.startsWith('#'));
  assert.equal(ignore[0], '*', 'everything is left out unless named');
  assert.ok(!ignore.some((line) => /node_modules|test|\.git/.test(line)));
});

test('compose.yaml: PostgreSQL, Redis, a one-shot migrate the two nodes wait for, health checks, Caddy in front as the one trusted proxy', () => {
  const compose = parse(read('compose.yaml'), { merge: true }) as Doc;
  const { services } = compose;
  assert.deepEqual(Object.keys(services).sort(), ['caddy', 'migrate', 'postgres', 'redis', 'tollgate-1', 'tollgate-2']);
  assert.deepEqual(services.migrate.command, ['migrate']);
  assert.equal(services.migrate.depends_on.postgres.condition, 'service_healthy');
  for (const name of ['tollgate-1', 'tollgate-2']) {
    const node = services[name];
    assert.deepEqual(node.command, ['serve']);
    assert.equal(node.depends_on.migrate.condition, 'service_completed_successfully', `${name} waits for the migration`);
    assert.equal(node.read_only, true);
    assert.match(node.healthcheck.test.join(' '), /\/health\/ready/);
    assert.deepEqual(services.caddy.depends_on[name], { condition: 'service_healthy' });
  }
  for (const name of ['postgres', 'redis']) assert.ok(services[name].healthcheck.test.length > 0, `${name} has a health check`);

  // The configuration the nodes mount: it parses with the variables compose passes, and trusts exactly Caddy.
  const text = read('deploy/compose/tollgate.yaml');
  assert.deepEqual(services['tollgate-1'].volumes, ['./deploy/compose/tollgate.yaml:/etc/tollgate/tollgate.yaml:ro']);
  const passed = Object.keys(services['tollgate-1'].environment);
  for (const name of variablesOf(text)) assert.ok(passed.includes(name), `compose passes ${name}`);
  const config = parseConfig(parse(text), 'compose', fakeEnv(variablesOf(text)));
  assert.equal(config.migrations, 'manual', 'only the migrate service migrates');
  const caddy = services.caddy.networks.tollgate.ipv4_address as string;
  const subnet = compose.networks.tollgate.ipam.config[0].subnet as string;
  assert.ok(new IpList([subnet]).has(caddy), 'Caddy\'s address is in the network');
  assert.ok(new IpList(config.trusted_proxies).has(caddy), 'Caddy is a trusted proxy');
  assert.ok(!new IpList(config.trusted_proxies).has('172.30.0.11'), 'and nothing else on the network');
  assert.equal(config.storage.split('@')[1], 'postgres:5432/tollgate');
  assert.equal(config.cache, 'redis://redis:6379');

  const caddyfile = read('deploy/compose/Caddyfile');
  assert.match(caddyfile, new RegExp(`reverse_proxy tollgate-1:${config.port} tollgate-2:${config.port}`));
  assert.match(caddyfile, /health_uri \/health\/ready/);
  assert.match(caddyfile, /header_up X-Request-Id/);
  const site = /^(https:\/\/\S+) \{/m.exec(caddyfile)![1]!;
  assert.equal(config.issuer, site, 'the issuer is the address Caddy serves');
  assert.deepEqual(services.caddy.ports, [`${new URL(site).port}:${new URL(site).port}`]);
});

test('Kubernetes: Deployment probes on the health endpoints, a migration Job, a PodDisruptionBudget over the pods, a Secret with every variable the configuration needs', () => {
  const docs = ['deployment.yaml', 'migrate-job.yaml', 'pdb.yaml', 'secret.yaml', 'configmap.yaml']
    .flatMap((file) => parseAllDocuments(read(`deploy/k8s/${file}`)).map((doc) => doc.toJS() as Doc));
  const byKind = (kind: string) => docs.find((doc) => doc.kind === kind)!;
  const deployment = byKind('Deployment');
  const [container] = deployment.spec.template.spec.containers;
  assert.equal(container.livenessProbe.httpGet.path, '/health/live');
  assert.equal(container.readinessProbe.httpGet.path, '/health/ready');
  assert.equal(container.securityContext.readOnlyRootFilesystem, true);
  assert.deepEqual(container.args, ['serve']);
  const job = byKind('Job');
  assert.deepEqual(job.spec.template.spec.containers[0].args, ['migrate']);
  assert.equal(job.spec.template.spec.containers[0].image, container.image, 'the same release');
  assert.deepEqual(byKind('PodDisruptionBudget').spec.selector.matchLabels, deployment.spec.selector.matchLabels);
  assert.deepEqual(byKind('Service').spec.selector, deployment.spec.selector.matchLabels);
  const secret = byKind('Secret');
  const text = byKind('ConfigMap').data['tollgate.yaml'] as string;
  for (const name of variablesOf(text)) assert.ok(name in secret.stringData, `the Secret has ${name}`);
  const config = parseConfig(parse(text), 'k8s', secret.stringData);
  assert.equal(config.migrations, 'manual');
  assert.ok(config.shutdown_delay < deployment.spec.template.spec.terminationGracePeriodSeconds);
  assert.equal(container.ports.find((p: Doc) => p.name === 'metrics').containerPort, config.metrics.port);
});
