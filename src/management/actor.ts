/** Who made a change: the management client's id, or null for the CLI (an operator with direct store access). */
export type Actor = string | null;
