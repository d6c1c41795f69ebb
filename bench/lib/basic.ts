/** The bench client's request headers: a form body and client_secret_basic (RFC 6749 §2.3.1). */
import { CLIENT } from './server.ts';

export const clientHeaders = {
  'content-type': 'application/x-www-form-urlencoded',
  authorization: `Basic ${Buffer.from(`${CLIENT.id}:${CLIENT.secret}`).toString('base64')}`,
};
