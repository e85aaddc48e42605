/** The operator token, kept for this browser tab only (sessionStorage) and sent as `Authorization: Bearer`. */
const KEY = 'apphub.operatorToken';
const listeners = new Set<() => void>();

export function readToken(): string | null {
  try {
    return sessionStorage.getItem(KEY);
  } catch {
    return null;
  }
}

export function saveToken(token: string | null): void {
  const value = token?.trim() ?? '';
  if (value) sessionStorage.setItem(KEY, value);
  else sessionStorage.removeItem(KEY);
  listeners.forEach((listener) => listener());
}

export function subscribeToken(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}
