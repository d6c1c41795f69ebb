/** Several Tollgate nodes, in process, on one fresh PostgreSQL database: what a load balancer would spread requests over. */
import type { ConfigInput } from '../../src/config/schema.ts';
import { startTollgate, type TestTollgate } from './tollgate.ts';
import { createDatabase, databaseUrl, dropDatabase } from './postgres.ts';

/** `count` nodes with the base configuration changed by `modify`, closed and their database dropped when the test ends. */
export async function nodesOnPostgres(t: { after(fn: () => Promise<void>): void }, count: number, modify: (config: ConfigInput) => void = () => {}): Promise<TestTollgate[]> {
  const name = await createDatabase({ migrated: false });
  const nodes: TestTollgate[] = [];
  t.after(async () => {
    for (const node of nodes) await node.close();
    await dropDatabase(name);
  });
  // One after the other: two nodes syncing the same configured users at once would both try to create them.
  for (let i = 0; i < count; i++) {
    nodes.push(await startTollgate((config) => {
      config.storage = databaseUrl(name);
      modify(config);
    }));
  }
  return nodes;
}
