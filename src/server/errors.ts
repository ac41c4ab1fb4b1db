import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { isUserError } from '../core/errors.js';

/** `{"error":{"code":"…","message":"…"}}`; 4xx for user mistakes, 5xx only for bugs. */
export function errorHandler(redact: (text: string) => string) {
  return (error: FastifyError | Error, request: FastifyRequest, reply: FastifyReply) => {
    if (isUserError(error)) {
      return reply.status(error.status).send({
        error: {
          code: error.code,
          message: redact(error.message),
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
    request.log.error({ err: { message: redact(error.message) } }, 'internal error');
    return reply.status(500).send({ error: { code: 'INTERNAL', message: redact(error.message) } });
  };
}
