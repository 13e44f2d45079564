import pino, { Logger } from 'pino';

/** Removes credentials from a URL before it is logged. */
export function redactUrl(url: string | undefined): string {
  return (url ?? '').replace(/([?&](?:token|_xsrf)=)[^&#]*/gi, '$1[Redacted]');
}

/**
 * The service's logger: JSON lines on stderr, with every place a credential can hide redacted
 * (headers, URLs, configuration secrets).
 */
export function createLogger(level: string, destination: pino.DestinationStream = pino.destination(2)): Logger {
  return pino(
    {
      level,
      base: { name: 'atelier' },
      redact: {
        paths: [
          'req.headers.authorization',
          'req.headers.cookie',
          'req.headers["x-xsrftoken"]',
          'res.headers["set-cookie"]',
          'token',
          '*.token',
          'secret',
          '*.secret',
          '*.secretKey',
          '*.accessKey'
        ],
        censor: '[Redacted]'
      },
      serializers: {
        req: req => ({ method: req.method, url: redactUrl(req.url), remoteAddress: req.socket?.remoteAddress }),
        res: res => ({ statusCode: res.statusCode }),
        err: pino.stdSerializers.err
      }
    },
    destination
  );
}
