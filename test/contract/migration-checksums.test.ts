/**
 * The checksums of released migrations, as fixed values: a database migrated by any earlier release recorded these
 * in schema_migrations, and a store refuses to open one whose recorded checksum differs from its migration's SQL.
 * However the migrations are arranged in the code (shared or per dialect), each SQLite and PostgreSQL database
 * migrated by today's code must record exactly these, and the lists must still match them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { migrationChecksum } from '../../src/storage/migrations.ts';
import { migrations as sqliteMigrations } from '../../src/storage/sqlite/migrations.ts';
import { migrations as postgresMigrations } from '../../src/storage/postgres/migrations.ts';
import { openSqlite } from '../../src/storage/sqlite/store.ts';
import { createDatabase, psql } from '../helpers/postgres.ts';

const SQLITE_CHECKSUMS: [number, string][] = [
  [1, '31dc9c4e36e57469e65d68bb86419e58e1c9b8d4c13922f6ec44e514ca83cf18'],
  [2, 'c6a2748d7e75d1a38a9cbc5f9a58de98fcc48d453e1414f6d8b6787694b1807f'],
  [3, 'f4b8fe03a3182b0fa634e06896c1dbb3c0ab135d4a5ae6b771a07491ecfaf0ed'],
  [4, 'ba8b9a2e879b1240e5f65eb1215b9e2840a087b4485330fd5f03d5e431b05995'],
  [5, '31b7d99e4269342cf41fc6e40cdd8687cc58ff4d1d4e90afedc3ab2de57b7a1d'],
  [6, '4b16173706d94fc60f0c5be967b0cc46c0ed2a21858bbb06c21ade30e08ba756'],
  [7, '87bd5a0f6a90ccf941ff6aec2a50b9ffd5defe8c6637f2f7252460d99fa5d04c'],
  [8, 'b639d75ed855c039243802b6edac21ec5dab58c5d768e8295bdb569221adfa94'],
  [9, '5d31a792b731da973834dff7e057b262f306f444013491e57ddb9cc4718ddc00'],
  [10, '5b2891ac0ce8836f8e4475f52b6799f4b2f6169c7add541ee08274d605afe69d'],
  [11, 'dfae7cab5df1a0c17f43fc19b9b07749fa4f1f062c130d94dde9782d0eaa961d'],
  [12, 'e14ed824223bb64e0e514e44e48de658fff79fd04549c762251e5184a44e9e69'],
  [13, '5ebea622be27715c7e1eced21690c79c50104977d785e5c1c8ae2af348f2a5a5'],
  [14, 'c637a5c3c75376feaeee755413e7e4972c32bafe9d19ef67500ae8601027dc16'],
  [15, 'd532f986d80fed12ad5f96fb4210b5ba15501b6799849771c86c4e3fc8f9aef3'],
  [16, '414084e3e036ed3e5ee15b7582cccb3b2740079a5f3551135c566201a68e4216'],
  [17, '87d922134cb81ea71ad1c11048437f86528f19dc3df74a6ce027d60dae4ddd5a'],
  [18, 'ca82dd0514b610dbdd49ec2e8513e1e8d0690df75fef34886bc19e462390936f'],
  [19, 'd5409d3c7e25af29ab1d0bfe93eb45e72619c8f21d775ef4ea79d117e8436d66'],
  [20, '9933ebf5ba864ad6b1e1a93b2b5e13fb694596f34fda5beb1c722ad1761a4dcf'],
];

const POSTGRES_CHECKSUMS: [number, string][] = [
  [1, '5d6d814b5c341a8e6f146840ec31dd37fadd0d2c00f6ba32f4ccb145383f15e8'],
  [2, 'cfe02303ced635124002fa7807f6403fae27c89e29ebc2017ca8752aa720f6cd'],
  [3, 'a838d3950293ea0244c8863ec1ed25dc8e77ee1a6f798c615c1c2bfc9e61bb1a'],
  [4, '530216cfd182195282c45f8347b9c2f9e4b9da1015c6dd0552576988faedf1a7'],
  [5, 'c0c03f30c564d4d9173a61ea51caa9b1cdac865def88b185a4d8891c8241f93f'],
  [6, '4b16173706d94fc60f0c5be967b0cc46c0ed2a21858bbb06c21ade30e08ba756'],
  [7, '87bd5a0f6a90ccf941ff6aec2a50b9ffd5defe8c6637f2f7252460d99fa5d04c'],
  [8, 'e0ef8bc972e9fd91ab2e24aa77d27f117d37a4a7213b9525845149f9476de818'],
  [9, 'c8c6b773756c3a961cb4d1f21f05d4059bf6e2b277ef8e6fd175ed5631057e19'],
  [10, '5b2891ac0ce8836f8e4475f52b6799f4b2f6169c7add541ee08274d605afe69d'],
  [11, 'dfae7cab5df1a0c17f43fc19b9b07749fa4f1f062c130d94dde9782d0eaa961d'],
  [12, 'e14ed824223bb64e0e514e44e48de658fff79fd04549c762251e5184a44e9e69'],
  [13, '5ebea622be27715c7e1eced21690c79c50104977d785e5c1c8ae2af348f2a5a5'],
  [14, 'c637a5c3c75376feaeee755413e7e4972c32bafe9d19ef67500ae8601027dc16'],
  [15, '5f57be810100fd684064e58193fb1c9071c3e867d34c949b0e35fb676f3df593'],
  [16, '414084e3e036ed3e5ee15b7582cccb3b2740079a5f3551135c566201a68e4216'],
  [17, '87d922134cb81ea71ad1c11048437f86528f19dc3df74a6ce027d60dae4ddd5a'],
  [18, 'ca82dd0514b610dbdd49ec2e8513e1e8d0690df75fef34886bc19e462390936f'],
  [19, 'd5409d3c7e25af29ab1d0bfe93eb45e72619c8f21d775ef4ea79d117e8436d66'],
  [20, 'c60e91b419ff1f73080e3daabb967ef61b250afc8ebb09fd7ff30c128b967b3b'],
];

/** Only the released versions (those listed above): a migration added later gets its own checksum, checked from then on. */
const released = (recorded: [number, string][]) => recorded.filter(([version]) => version <= 20);

test('the migration lists still carry the released checksums, under the same versions and names in both dialects', () => {
  assert.deepEqual(released(sqliteMigrations.map((m) => [m.version, migrationChecksum(m.sql)])), SQLITE_CHECKSUMS);
  assert.deepEqual(released(postgresMigrations.map((m) => [m.version, migrationChecksum(m.sql)])), POSTGRES_CHECKSUMS);
  assert.deepEqual(sqliteMigrations.map((m) => [m.version, m.name]), postgresMigrations.map((m) => [m.version, m.name]));
});

test('SQLite: a database migrated by this code records the released checksums', async () => {
  const path = join(mkdtempSync(join(tmpdir(), 'tollgate-checksums-')), 'db.sqlite');
  await openSqlite(`sqlite:${path}`).close();
  const db = new DatabaseSync(path);
  const rows = db.prepare('SELECT version, checksum FROM schema_migrations ORDER BY version').all();
  db.close();
  assert.deepEqual(released(rows.map((r) => [r.version as number, r.checksum as string])), SQLITE_CHECKSUMS);
});

test('PostgreSQL: a database migrated by this code records the released checksums', async () => {
  const name = await createDatabase();
  const rows = await psql(name, 'SELECT version, checksum FROM schema_migrations ORDER BY version');
  assert.deepEqual(released(rows.map((r) => [r.version as number, r.checksum as string])), POSTGRES_CHECKSUMS);
});
