import { redactQueryTokens } from './logger.js';

describe('redactQueryTokens', () => {
  it('hides an access_token query parameter in a logged request URL and keeps the rest of the request', () => {
    class Request {
      constructor(readonly url: string) {}
      get method() {
        return 'GET';
      }
    }
    const logged = redactQueryTokens({ req: new Request('/events?subjects=asset.%3E&access_token=s3cret&x=1') }) as {
      req: { url: string; method: string };
    };
    expect(logged.req.url).toBe('/events?subjects=asset.%3E&access_token=[redacted]&x=1');
    expect(logged.req.method).toBe('GET');
    expect(
      (redactQueryTokens({ req: new Request('/events?access_token=a') }) as { req: { url: string } }).req.url,
    ).toBe('/events?access_token=[redacted]');
  });

  it('leaves other log objects alone', () => {
    const object = { req: { url: '/workflows?limit=1' } };
    expect(redactQueryTokens(object)).toBe(object);
    expect(redactQueryTokens({ msg: 'x' })).toEqual({ msg: 'x' });
  });

  it('hides it in a url field too (the URL a 5xx answer logs)', () => {
    expect(redactQueryTokens({ url: '/events?access_token=s3cret', reqId: 'r' })).toEqual({
      url: '/events?access_token=[redacted]',
      reqId: 'r',
    });
  });
});
