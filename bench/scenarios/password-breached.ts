/** The password grant on a server with breached password detection on (method file): what the check costs a login. */
import type { Scenario } from './types.ts';
import { passwordScenario } from './password.ts';

export const passwordBreachedScenario: Scenario = {
  ...passwordScenario,
  id: 'password-breached',
  name: 'password grant, breached password detection (file)',
  breachedFile: true,
};
