// Exhaustiveness guard for switches over the proxy's discriminated unions: a new kind that a
// switch forgets fails to compile; reaching this at run time is an internal bug.
export function assertNever(value: never): never {
  throw new Error(`unexpected value: ${JSON.stringify(value)}`);
}
