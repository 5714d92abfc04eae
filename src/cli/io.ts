/** Where a command writes: stdout for results, stderr for progress and errors. Tests pass their own. */
export interface Io {
  out(text: string): void;
  err(text: string): void;
  /** whether stderr is a terminal (progress is shown only then) */
  errIsTty: boolean;
}

export const processIo: Io = {
  out: (t) => void process.stdout.write(t),
  err: (t) => void process.stderr.write(t),
  errIsTty: Boolean(process.stderr.isTTY),
};

/** What every command of one run of `bptt-check` shares: its arguments, where it writes, its exit code. */
export interface Session {
  argv: readonly string[];
  io: Io;
  setCode(code: number): void;
  /** what a command started and main stops when it ends (an --impl module's process) */
  stops: (() => Promise<void>)[];
}
