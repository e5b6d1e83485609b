/**
 * A JSON client for the control plane's admin API as a test drives it:
 * `api('POST', '/streams', {name})` → the parsed body; non-2xx throws with
 * the status and body so a failing step says why.
 */
export type AdminApi = <T>(method: string, path: string, body?: unknown) => Promise<T>;

export function adminApi(controlPlaneUrl: string, adminToken: string): AdminApi {
  return async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const res = await fetch(`${controlPlaneUrl}/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  };
}
