// The HTTP routes, one plugin each; app.ts registers them in order.
export { decideRoute } from './decide.ts';
export { dataApiRoute } from './data-api.ts';
export { authzRoute } from './authz.ts';
export { healthRoutes } from './health.ts';
export { authzenRoutes } from './authzen.ts';
export { publicAnswer, type LeashServices } from './services.ts';
export { parseGatewayInput, type ParsedInput, type GatewayShape } from './gateway-input.ts';
