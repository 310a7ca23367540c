// The `leash` command line: one commander program, one file per command under commands/.
// Each command registers itself here; bin/leash.mjs imports this file.
import { Command } from 'commander';
import { registerFmtCommand } from './commands/fmt.ts';

const program = new Command();
program.name('leash').description('Policy decision service for AI agents that call APIs');

registerFmtCommand(program);

await program.parseAsync(process.argv);
