import { Writable } from 'stream';
import { createLogger, redactUrl } from '../../src/logger';

describe('logging never shows credentials', () => {
  it('redacts tokens in URLs', () => {
    expect(redactUrl('/lab?token=s3cret&reset')).toBe('/lab?token=[Redacted]&reset');
    expect(redactUrl('/api/x?a=1&_xsrf=abc')).toBe('/api/x?a=1&_xsrf=[Redacted]');
  });

  it('redacts headers, URLs and secret fields in log lines', () => {
    let out = '';
    const sink = new Writable({
      write(chunk, _enc, cb) {
        out += chunk;
        cb();
      }
    });
    const logger = createLogger('info', sink);
    logger.info(
      {
        req: {
          method: 'GET',
          url: '/lab?token=s3cret',
          headers: { authorization: 'token s3cret', cookie: 'username=s3cret' },
          socket: {}
        },
        platform: { secretKey: 's3cret', accessKey: 's3cret' },
        token: 's3cret'
      },
      'request'
    );
    expect(out).toContain('request');
    expect(out).not.toContain('s3cret');
  });
});
