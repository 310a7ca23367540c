// The `leash` command line: one commander program, one file per command under commands/.
// Each command registers itself here; bin/leash.mjs imports this file.
import { Command } from 'commander';
import { registerBuildCommand } from './commands/build.ts';
import { registerCheckCommand } from './commands/check.ts';
import { registerEvalCommand } from './commands/eval.ts';
import { registerFmtCommand } from './commands/fmt.ts';
import { registerInitCommand } from './commands/init.ts';
import { registerInspectCommand } from './commands/inspect.ts';
import { registerServeCommand } from './commands/serve.ts';
import { registerSignCommands } from './commands/sign.ts';
import { registerTestCommand } from './commands/test.ts';
import { registerTokenCommand } from './commands/token.ts';

const program = new Command();
program.name('leash').description('Policy decision service for AI agents that call APIs');

registerBuildCommand(program);
registerCheckCommand(program);
registerEvalCommand(program);
registerFmtCommand(program);
registerInitCommand(program);
registerInspectCommand(program);
registerServeCommand(program);
registerSignCommands(program);
registerTestCommand(program);
registerTokenCommand(program);

await program.parseAsync(process.argv);
