/** One look at a site's health URL: the answer's status against the one expected. */
export async function checkSiteHealth(
  health: { url: string; status: number; timeoutMs: number },
  signal?: AbortSignal,
): Promise<{ ok: boolean; detail: string }> {
  const timeout = AbortSignal.timeout(health.timeoutMs);
  try {
    const response = await fetch(health.url, {
      signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      redirect: 'manual',
    });
    await response.arrayBuffer().catch(() => undefined);
    const ok = response.status === health.status;
    return { ok, detail: `${health.url} answered ${response.status}${ok ? '' : `, expected ${health.status}`}` };
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code;
    return { ok: false, detail: `${health.url} did not answer: ${cause ?? (error as Error).message}` };
  }
}
