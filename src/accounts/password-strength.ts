/**
 * Password strength as zxcvbn-ts estimates it (a score from 0 to 4), with its common-password and diceware
 * dictionaries and keyboard graphs. They are a few megabytes, so they load at the first estimate, once per scorer.
 */
import type { ZxcvbnFactory } from '@zxcvbn-ts/core';

export type StrengthScorer = (password: string, userInputs: readonly string[]) => Promise<number>;

async function loadEstimator(): Promise<ZxcvbnFactory> {
  const [{ ZxcvbnFactory }, common] = await Promise.all([import('@zxcvbn-ts/core'), import('@zxcvbn-ts/language-common')]);
  return new ZxcvbnFactory({ dictionary: common.dictionary, graphs: common.adjacencyGraphs });
}

/** `userInputs` (the user's names) count as words a guesser tries first. */
export function zxcvbnScorer(): StrengthScorer {
  let estimator: Promise<ZxcvbnFactory> | undefined;
  return async (password, userInputs) => {
    estimator ??= loadEstimator();
    return (await estimator).check(password, [...userInputs]).score;
  };
}
