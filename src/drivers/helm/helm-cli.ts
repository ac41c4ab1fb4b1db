import { spawn } from 'node:child_process';

/** Where and how the `helm` CLI runs. */
export interface HelmCliOptions {
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
export function runHelm(options: HelmCliOptions, args: string[], signal?: AbortSignal): Promise<HelmRun> {
  const argv = [
    ...args,
    '--namespace',
    options.namespace,
    ...(options.kubeconfig ? ['--kubeconfig', options.kubeconfig] : []),
    ...(options.context ? ['--kube-context', options.context] : []),
  ];
  return new Promise((resolve, reject) => {
    const child = spawn(options.binary, argv, {
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(signal ? { signal } : {}),
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    child.on('error', (error: NodeJS.ErrnoException) =>
      reject(
        error.code === 'ENOENT'
          ? new Error(`the helm CLI (${options.binary}) is not on PATH: install Helm 3 or set driver.helm`)
          : error,
      ),
    );
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
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
