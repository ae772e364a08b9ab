import type { FastifyInstance, FastifySchemaCompiler, FastifySerializerCompiler } from 'fastify';
import { serializerCompiler as zodSerializerCompiler } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError } from '../core/errors.ts';

/** The error for input that failed its schema: each offending field and what is wrong with it. */
function validationError(error: z.ZodError, what: string): AppError {
  const problems = error.issues.map((issue) =>
    issue.path.length > 0 ? `${issue.path.join('.')}: ${issue.message}` : issue.message,
  );
  return new AppError('VALIDATION_FAILED', `invalid ${what}: ${problems.join('; ')}`);
}

/** Validates input at the edge; the error names each offending field and what is wrong with it. */
export function parseInput<Schema extends z.ZodType>(
  schema: Schema,
  input: unknown,
  what: string,
): z.infer<Schema> {
  const result = schema.safeParse(input ?? {});
  if (result.success) return result.data;
  throw validationError(result.error, what);
}

/** How a validation message names each part of a request. */
const partNames: Record<string, string> = {
  body: 'body',
  querystring: 'query',
  params: 'path',
  headers: 'headers',
};

/**
 * Fastify's validator for the zod schemas in route options: the same contract as
 * `parseInput` (`400 VALIDATION_FAILED`, "invalid <part>: <field>: <problem>; …"), and the
 * parsed value (defaults, coercions, transforms) replaces the raw input. Headers are only
 * checked: a header schema names a few headers, and the others must stay on the request.
 */
const validatorCompiler: FastifySchemaCompiler<z.ZodType> = ({ schema, httpPart, method, url }) => {
  // Fails at start, naming the route, rather than at its first request.
  if (!(schema instanceof z.ZodType))
    throw new Error(`${method} ${url}: the ${httpPart} schema must be a zod schema`);
  return (input) => {
    const result = schema.safeParse(input ?? {});
    if (!result.success)
      return { error: validationError(result.error, partNames[httpPart ?? ''] ?? 'input') };
    return { value: httpPart === 'headers' ? input : result.data };
  };
};

/**
 * Success bodies are encoded through their zod schema, which also drops any field the schema
 * does not name. Error bodies (`{ error, message }` from the error handler) are written as
 * they are: their documented codes describe the route, and an undocumented one must still reach
 * the client rather than fail serialization.
 */
const serializerCompiler: FastifySerializerCompiler<z.ZodType> = (route) => {
  if (/^[45]/.test(route.httpStatus ?? '')) return (data) => JSON.stringify(data);
  return zodSerializerCompiler(route);
};

/** Makes `app` validate and serialize with the zod schemas of its routes' options. */
export function useZodSchemas(app: FastifyInstance): void {
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
}
