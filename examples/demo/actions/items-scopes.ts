/** The demo's rule: employees may write items, everyone else (customers) may only read them. */
import type { Action } from 'tollgate/actions';

export const onExecutePostLogin: Action['onExecutePostLogin'] = (event, api) => {
  if (event.user.connection !== 'employees') api.accessToken.removeScope('write:items');
};
