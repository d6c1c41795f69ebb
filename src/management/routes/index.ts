/** Every management operation, in the order the document lists them. */
import type { Operation } from '../operation.ts';
import { attackProtectionOperations } from './attack-protection.ts';
import { authenticatorOperations } from './authenticators.ts';
import { auth0BlockOperations, blockOperations } from './blocks.ts';
import { clientOperations } from './clients.ts';
import { connectionOperations } from './connections.ts';
import { jobOperations } from './jobs.ts';
import { keyOperations } from './keys.ts';
import { logOperations } from './logs.ts';
import { resourceServerOperations } from './resource-servers.ts';
import { userOperations } from './users.ts';

export const OPERATIONS: readonly Operation[] = [
  ...userOperations, ...blockOperations, ...auth0BlockOperations, ...authenticatorOperations, ...jobOperations, ...clientOperations, ...connectionOperations, ...resourceServerOperations, ...keyOperations, ...attackProtectionOperations, ...logOperations,
];
