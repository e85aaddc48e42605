import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

/**
 * The response contract check (tests only): every JSON response a test provokes is validated against the OpenAPI
 * document the service itself serves (`/docs/json`), so the console's generated types can be trusted. A response
 * whose status the operation does not declare (and no `default` covers), or whose media type it declares no schema
 * for, is a finding too. Each schema is compiled once (JSON Schema 2020-12, the OpenAPI 3.1 dialect; the 3.0
 * `nullable` keyword is understood by ajv as well).
 */
export interface ObservedResponse {
  method: string;
  /** The route pattern Fastify matched (`/workflows/:slug`), undefined when no route matched. */
  route: string | undefined;
  url: string;
  status: number;
  contentType: string | undefined;
  /** The serialized body as `onSend` sees it; streams are not read. */
  payload: unknown;
}

type Json = Record<string, any>;

const JSON_MEDIA = /^application\/(?:[\w.-]+\+)?json$/;

export class ResponseContract {
  private readonly ajv = new Ajv2020({ allErrors: true, strict: false, validateSchema: false });
  private readonly validators = new Map<string, ValidateFunction>();

  constructor(private readonly document: Json) {
    (addFormats as unknown as (ajv: Ajv2020) => void)(this.ajv);
  }

  /** A description of what is wrong with the response, or undefined when it matches the document. */
  check(response: ObservedResponse): string | undefined {
    const media = response.contentType?.split(';')[0]!.trim().toLowerCase();
    if (!media || !JSON_MEDIA.test(media) || response.method === 'HEAD') return undefined;
    const body = bodyOf(response.payload);
    if (body === undefined) return undefined;
    if (!body.ok) return 'the body is not JSON';
    const found = this.responseOf(response, media);
    if (found === undefined || typeof found === 'string') return found;
    const validate = this.validator(found.key, found.schema);
    if (validate(body.value)) return undefined;
    return `does not match ${found.key}: ${formatErrors(validate.errors ?? [])}`;
  }

  /** The declared schema for the response's operation, status and media type, why there is none, or undefined (unchecked). */
  private responseOf(response: ObservedResponse, media: string): { key: string; schema: Json } | string | undefined {
    const path = response.route?.replace(/:(\w+)/g, '{$1}');
    const operation = path === undefined ? undefined : this.document.paths?.[path]?.[response.method.toLowerCase()];
    if (!operation) {
      // Outside the document (unmatched URLs, the console's files, /docs itself) only problem documents are checked.
      if (media !== 'application/problem+json') return undefined;
      const problem = this.document.components?.schemas?.Problem as Json | undefined;
      return problem ? { key: 'components.schemas.Problem', schema: problem } : 'the document declares no Problem';
    }
    const status = String(response.status);
    const responses = (operation.responses ?? {}) as Json;
    const declared = [status, `${status[0]}XX`, 'default'].find((key) => responses[key] !== undefined);
    if (declared === undefined) return `${response.method} ${path} declares no ${status} response (and no default)`;
    const content = this.resolve(responses[declared]).content?.[media] as Json | undefined;
    if (!content?.schema) return `${response.method} ${path} ${declared} declares no ${media} body`;
    return { key: `${response.method} ${path} ${declared} ${media}`, schema: content.schema };
  }

  private resolve(object: Json): Json {
    const ref = object.$ref as string | undefined;
    if (!ref?.startsWith('#/')) return object;
    const target = ref
      .slice(2)
      .split('/')
      .reduce<any>((node, token) => node?.[token.replace(/~1/g, '/').replace(/~0/g, '~')], this.document);
    return this.resolve(target ?? {});
  }

  /** Compiled once: the schema with the document's components beside it, so `#/components/…` refs resolve. */
  private validator(key: string, schema: Json): ValidateFunction {
    let validate = this.validators.get(key);
    if (!validate) {
      validate = this.ajv.compile({ ...schema, components: this.document.components ?? {} });
      this.validators.set(key, validate);
    }
    return validate;
  }
}

function bodyOf(payload: unknown): { ok: true; value: unknown } | { ok: false } | undefined {
  const text = typeof payload === 'string' ? payload : Buffer.isBuffer(payload) ? payload.toString('utf8') : undefined;
  if (text === undefined || text.length === 0) return undefined;
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}

function formatErrors(errors: ErrorObject[]): string {
  return errors
    .slice(0, 8)
    .map((error) => `${error.instancePath || '/'} ${error.message ?? error.keyword} ${JSON.stringify(error.params)}`)
    .join('; ');
}
