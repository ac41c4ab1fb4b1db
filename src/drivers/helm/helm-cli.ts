import type { ProcessRunner } from '../../core/ports/process.js';

/** Where and how the `helm` CLI runs. */
export interface HelmCliOptions {
  /** runs helm (the one process runner) */
  runner: ProcessRunner;
  /** the helm binary; default `helm` on PATH */
  binary: string;
  /** passed as --kubeconfig when set; default helm's own ($KUBECONFIG, ~/.kube/config) */
  kubeconfig?: string;
  /** passed as --kube-context when set */
  context?: string;
  namespace: string;
  /** extra environment for helm (tests put a simulated helm first on PATH) */
  env?: Record<string, string>;
}

export interface HelmRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `helm <args> -n <namespace> …` without a shell; never throws for a non-zero exit. */
export async function runHelm(options: HelmCliOptions, args: string[], signal?: AbortSignal): Promise<HelmRun> {
  const argv = [
    ...args,
    '--namespace',
    options.namespace,
    ...(options.kubeconfig ? ['--kubeconfig', options.kubeconfig] : []),
    ...(options.context ? ['--kube-context', options.context] : []),
  ];
  try {
    const run = await options.runner.run([options.binary, ...argv], {
      // helm reads its own settings (HELM_*, KUBECONFIG) from the environment
      passEnv: 'all',
      ...(options.env ? { env: options.env } : {}),
      ...(signal ? { signal } : {}),
      stdout: { max: Number.MAX_SAFE_INTEGER },
    });
    // an aborted call ends as an abort, not as helm's exit status
    signal?.throwIfAborted();
    return { code: run.code, stdout: run.stdout, stderr: run.stderr };
  } catch (error) {
    if (signal?.aborted) throw error;
    if ((error as { code?: string }).code === 'ENOENT')
      throw new Error(`the helm CLI (${options.binary}) is not on PATH: install Helm 3 or set driver.helm`);
    throw (error as Error).cause ?? error;
  }
}

/** Runs helm and returns stdout; a non-zero exit throws with helm's own error line. */
export async function helmOk(options: HelmCliOptions, args: string[], signal?: AbortSignal): Promise<string> {
  const run = await runHelm(options, args, signal);
  if (run.code !== 0) {
    const why = run.stderr.split('\n').find((l) => l.startsWith('Error:')) ?? run.stderr.trim().split('\n').at(-1);
    throw new Error(`helm ${args.slice(0, 2).join(' ')} exited with ${run.code}: ${why ?? 'no output'}`);
  }
  return run.stdout;
}
