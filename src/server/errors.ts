import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { isStoreUnavailable, isUserError } from '../core/errors.js';

/** `{"error":{"code":"…","message":"…"}}`; 4xx for user mistakes, 5xx only for bugs. */
export function errorHandler(redact: (text: string) => string) {
  return (error: FastifyError | Error, request: FastifyRequest, reply: FastifyReply) => {
    if (isUserError(error)) {
      // every 503 says when to come back
      if (error.status === 503) void reply.header('retry-after', '1');
      return reply.status(error.status).send({
        error: {
          code: error.code,
          message: redact(error.message),
          // the CLI ends with the same exit code over HTTP as in-process
          exitCode: error.exitCode,
          ...(error.details ? { details: error.details } : {}),
        },
      });
    }
    const fastifyError = error as FastifyError;
    if (fastifyError.validation || (fastifyError.statusCode && fastifyError.statusCode < 500)) {
      return reply
        .status(fastifyError.statusCode ?? 400)
        .send({ error: { code: fastifyError.code ?? 'BAD_REQUEST', message: redact(`${fastifyError.message}`) } });
    }
    if (isStoreUnavailable(error)) {
      return reply
        .status(503)
        .header('retry-after', '1')
        .send({ error: { code: 'STORE_UNAVAILABLE', message: 'the store is busy or unreachable; retry shortly' } });
    }
    // a bug: its details go to the controller's log, never to the caller
    process.stderr.write(`internal error on ${request.method} ${request.url}: ${redact(error.message)}\n`);
    return reply
      .status(500)
      .send({ error: { code: 'INTERNAL', message: 'internal error; the controller log has the details' } });
  };
}
