/** RFC 4514 distinguished names and RFC 8705 §2.1.2 registered names, matched against real certificates. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { matchesRegistration, parseDn } from '../../../src/client-auth/certificates.ts';
import type { ClientRecord } from '../../../src/model/client.ts';
import { certificateAuthority } from '../../helpers/certificates.ts';

test('parseDn: RFC 4514 §2.4 escapes, by character and by UTF-8 hex pairs; attribute types upper-cased', () => {
  assert.deepEqual(parseDn('cn=a\\2Cb,O=Example\\, Inc.,C=US'), [['CN', 'a,b'], ['O', 'Example, Inc.'], ['C', 'US']]);
  assert.deepEqual(parseDn('CN=J\\C3\\BCrgen\\+Co'), [['CN', 'Jürgen+Co']]);
  assert.deepEqual(parseDn('CN=Jürgen, O=Spaces'), [['CN', 'Jürgen'], ['O', 'Spaces']]);
});

test('matchesRegistration: the subject DN in RFC 4514 order, however it is escaped; not in certificate order, not a prefix', async () => {
  const ca = await certificateAuthority();
  const cert = new X509Certificate((await ca.issue({ subject: 'C=DE,O=Müller\\, GmbH,CN=job' })).cert);
  const client = (dn: string) => ({ tls_client_auth_subject_dn: dn }) as ClientRecord;
  assert.equal(matchesRegistration(cert, client('CN=job,O=Müller\\, GmbH,C=DE')), true);
  assert.equal(matchesRegistration(cert, client('cn=job,o=M\\C3\\BCller\\2C GmbH,c=DE')), true);
  assert.equal(matchesRegistration(cert, client('C=DE,O=Müller\\, GmbH,CN=job')), false, 'certificate order is not RFC 4514 order');
  assert.equal(matchesRegistration(cert, client('CN=job,O=Müller\\, GmbH')), false);
  assert.equal(matchesRegistration(cert, client('CN=Job,O=Müller\\, GmbH,C=DE')), false, 'values compare exactly');
  assert.equal(matchesRegistration(cert, {} as ClientRecord), false, 'no registered name matches nothing');
});
