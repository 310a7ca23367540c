// The decision service and the helpers routes use to turn gateway requests into DecisionRequests.
export { createDecisionService, type DecisionServiceOptions, type AnswerListener, type DecideLog } from './service.ts';
export { bearerToken, headerValue, splitPathAndQuery, scrubHeaders, scrubQuery, buildPolicyInput, accessOf, isCredentialHeader } from './input.ts';
