/**
 * The `bptt-check` command. Exit codes: 0 every check passed, 1 a gradient check failed, 2 bad input
 * or usage (one line on stderr naming the field, the value and what was expected; nothing written),
 * 3 an internal error (a bug in bptt-check: the message and the stack trace).
 */
import { Command, CommanderError } from 'commander';
import { InputError, visible } from '../model/errors.js';
import { TOOL_VERSION } from '../version.js';
import { goldenCommands, sweepCommands } from './batch.js';
import { compareCommand, suiteCommand, verifyCommand } from './compare.js';
import { withFlags } from './fields.js';
import { caseCommand, gradsCommand } from './grads.js';
import { processIo, type Io, type Session } from './io.js';
import { vanishingCommand } from './vanishing.js';

/** The program and its commands, in the help's order. */
function buildProgram(s: Session): Command {
  const program = new Command('bptt-check')
    .description('Check hand-written BPTT gradients of a recurrent network against TensorFlow.js tf.grad')
    .version(TOOL_VERSION)
    .exitOverride()
    .configureOutput({ writeOut: (t) => s.io.out(t), writeErr: (t) => s.io.err(t), outputError: () => {} });
  caseCommand(program, s);
  compareCommand(program, s);
  verifyCommand(program, s);
  suiteCommand(program, s);
  vanishingCommand(program, s);
  sweepCommands(program, s);
  goldenCommands(program, s);
  gradsCommand(program, s);
  return program;
}

/** Runs the command line; returns the exit code. */
export async function main(argv: readonly string[], io: Io = processIo): Promise<number> {
  let code = 0;
  const stops: (() => Promise<void>)[] = []; // what a command started and main stops when it ends (an --impl module's process)
  const program = buildProgram({ argv, io, setCode: (c) => (code = c), stops });
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return code;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.exitCode === 0) return 0;
      io.err(`bptt-check: ${visible(e.message.replace(/^error: /, '').split('\n')[0]!)}\n`);
      return 2;
    }
    if (e instanceof InputError) {
      io.err(`bptt-check: ${visible(withFlags(e.message))}\n`); // one line, whatever a file, path or module put in it
      return 2;
    }
    io.err(
      `bptt-check: internal error (please report it): ${((e as Error).stack ?? String(e)).split('\n').map(visible).join('\n')}\n`,
    );
    return 3;
  } finally {
    await Promise.all(stops.map((stop) => stop()));
  }
}
