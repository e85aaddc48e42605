/** Variables whose whole value is a secret. */
const SECRET_NAMES = new Set([
  'NATS_PASSWORD',
  'NATS_TOKEN',
  'NATS_NKEY_SEED',
  'APPHUB_OPERATOR_TOKENS',
  'OPENLINEAGE_API_KEY',
]);

/** `scheme://user:password@host` → `scheme://user:***@host`, for every URL in a (comma-separated) value. */
export function redactUrlPasswords(text: string): string {
  return text.replace(/(\/\/[^\s:@/]*:)[^\s@/]*@/g, '$1***@');
}

/** An environment value as it may appear in a message or a log: secrets hidden, URL passwords masked. */
export function redactedValue(name: string, value: string | undefined): string {
  if (value === undefined || value === '') return JSON.stringify(value ?? '');
  if (SECRET_NAMES.has(name)) return '"<redacted>"';
  return JSON.stringify(redactUrlPasswords(value));
}
