/** The password grant again, on a server with attack protection off: the baseline for protection's overhead. */
import type { Scenario } from './types.ts';
import { passwordScenario } from './password.ts';

export const passwordUnprotectedScenario: Scenario = {
  ...passwordScenario,
  id: 'password-unprotected',
  name: 'password grant, protection off',
  unprotected: true,
};
