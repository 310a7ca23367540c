// Unicode data Rego needs as OPA has it: the case tables of lower, upper and (?i) folding.
export { FOLD_RUNS, LOWER_RUNS, UPPER_RUNS } from './case-tables.ts';
export { mapCodePoint } from './case-runs.ts';
export { assemblyCaseTables } from './assembly-tables.ts';
