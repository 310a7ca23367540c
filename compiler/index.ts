// The compiler's public surface. Other areas (server, cli, test) import from here only.
export * from './diagnostics/index.ts';
export * from './contract.ts';
