/** The wall clock in unix seconds: the default everywhere time is injected (tests freeze it). */
export const systemClock = (): number => Math.floor(Date.now() / 1000);
