// The MCP gateway (docs/mcp.md): tool calls of agents to MCP servers, decided by the policy.
export { mcpGateway, denialError, type McpGatewayOptions } from './gateway.ts';
export { mcpRoutes, type McpWiring } from './wire.ts';
export { readMcpServers, parseServerUrls, type McpServer } from './servers.ts';
export * from './jsonrpc.ts';
