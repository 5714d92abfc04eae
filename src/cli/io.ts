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
