import type { FastifyError, FastifyInstance } from 'fastify';
import { AppError } from '../core/errors.ts';

/** Maps Fastify's own errors to the catalogue so every client sees `{ error, message }`. */
function fromFastify(error: FastifyError): AppError | undefined {
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new AppError('PAYLOAD_TOO_LARGE', 'the request body is larger than this route accepts');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new AppError('UNSUPPORTED_MEDIA_TYPE', 'this route does not accept that content type');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new AppError('MALFORMED_JSON', 'the request body is not valid JSON');
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new AppError('BAD_REQUEST', 'the Content-Length header does not match the body');
    default:
      if (error instanceof SyntaxError)
        return new AppError('MALFORMED_JSON', 'the request body is not valid JSON');
      if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
        return new AppError('BAD_REQUEST', error.message);
      }
      return undefined;
  }
}

/** One error shape for every route; unexpected errors are logged and answered without details. */
export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const known = error instanceof AppError ? error : fromFastify(error);
    if (known) {
      if (known.status >= 500) request.log.error({ err: error }, known.message);
      if ((known.status === 429 || known.status === 503) && known.retryAfterMs !== undefined)
        reply.header('retry-after', String(Math.ceil(known.retryAfterMs / 1000)));
      return reply.status(known.status).send(known.toJSON());
    }
    request.log.error({ err: error }, 'unhandled error');
    return reply.status(500).send({ error: 'INTERNAL', message: 'something went wrong on our side' });
  });
  app.setNotFoundHandler((request, reply) =>
    reply
      .status(404)
      .send({ error: 'NOT_FOUND', message: `no route for ${request.method} ${request.url.split('?')[0]}` }),
  );
}
