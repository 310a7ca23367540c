// Policy tests: load the `*.policy.test.ts` files, validate their cases against the compiled
// policies, run each case through both engines, measure coverage, report, and watch.
export { findFiles, loadPolicies, loadSuites, TEST_SUFFIX } from './load.ts';
export { validateSuite, caseLocations, limitsOf, type Suite } from './validate.ts';
export { runCase, emptyExercised, compareAnswer, type Exercised } from './run-case.ts';
export { coverageOf, formatCoverage, type Coverage } from './coverage.ts';
export { pretty, json, junit, type CaseResult, type Report } from './report.ts';
export { watchAndRerun } from './watch.ts';
export { runRegoTests, isRegoTestFile, REGO_TEST_SUFFIX, type RegoTestResult } from './rego-tests.ts';
