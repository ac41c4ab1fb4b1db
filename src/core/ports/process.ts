/**
 * The process-runner port (DESIGN.md, process/): every command Rewind starts —
 * hooks, command-driver operations, drill hooks, migration tools, database client
 * binaries — goes through one runner, so each runs the same way: an argv without a
 * shell, in its own process group, stopped as a whole on timeout or abort.
 */

/** How much of one output stream a run keeps. */
export interface OutputCapture {
  /** characters kept */
  max: number;
  /** `head` keeps the first `max` characters, `tail` the last; default head */
  keep?: 'head' | 'tail';
}

/** Options of {@link ProcessRunner.run}. */
export interface ProcessRunOptions {
  /** working directory; default the controller's */
  cwd?: string;
  /** variables set for the process, on top of what it inherits */
  env?: Readonly<Record<string, string | undefined>>;
  /**
   * What the process inherits of the controller's environment: the minimum a
   * process needs plus these names (core/child-env.ts), or `all` of it (database
   * client binaries, which read PG and MySQL settings from it); default the minimum
   */
  passEnv?: readonly string[] | 'all';
  /** a file fed to stdin; default none (stdin is closed) */
  stdinFile?: string;
  /** the whole group is killed (SIGKILL) after this long; default no limit */
  timeoutMs?: number;
  /**
   * its own process group (default true), so a timeout or abort stops everything
   * it started; false keeps it in the controller's group, where a terminal's
   * Ctrl-C reaches it too (database client binaries run by the CLI)
   */
  ownGroup?: boolean;
  /** aborting kills the whole group */
  signal?: AbortSignal;
  /** each complete output line (stdout and stderr) as it arrives, unredacted */
  onLine?: (line: string) => void;
  /** told the process group (the child's pid) right after it starts, to journal it */
  onSpawn?: (processGroup: number) => void;
  /** how much stdout keeps; default the first 1 MB */
  stdout?: OutputCapture;
  /** how much stderr keeps; default the first 1 MB */
  stderr?: OutputCapture;
}

/** How a run ended. A non-zero exit is a result, never an exception. */
export interface ProcessResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  /** ends with `(killed after …ms)` when the timeout stopped the group */
  stderr: string;
  /** true when the timeout (not the caller's signal) stopped the group */
  timedOut: boolean;
}

export interface ProcessRunner {
  /**
   * Runs an argv. Rejects only when it cannot start (missing binary, bad cwd) or
   * the stdin file cannot be read, with a `ProcessStartError`-shaped error whose
   * `code` is the errno code.
   */
  run(argv: readonly string[], options?: ProcessRunOptions): Promise<ProcessResult>;
  /**
   * Stops what an earlier attempt left running (found in the journal after a
   * crash): SIGTERM to the group, SIGKILL after `graceMs` (default 2 s). Resolves
   * with a line for the journal, or null when the group had already ended.
   */
  stopGroup(processGroup: number, graceMs?: number): Promise<string | null>;
  /** true while any process of the group can still run */
  groupAlive(processGroup: number): boolean;
  /** who the group is beyond its number (host, boot, start time), to journal with it; null when unknown */
  owner(processGroup: number): string | null;
  /**
   * Stops a crashed attempt's group only when it is the recorded owner's process on
   * this host; elsewhere it answers `stopped: false` with why. Null when nothing ran.
   */
  stopOrphan(processGroup: number, owner: string | null): Promise<{ stopped: boolean; line: string } | null>;
}
