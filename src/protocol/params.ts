/** Request parameters after RFC 6749 §3.2 rules: no repeats, an empty value counts as absent. */
export type Params = ReadonlyMap<string, string>;
