import type { z } from 'zod';
import { AppError } from '../core/errors.ts';

/** Validates input at the edge; the error names each offending field and what is wrong with it. */
export function parseInput<Schema extends z.ZodType>(
  schema: Schema,
  input: unknown,
  what: string,
): z.infer<Schema> {
  const result = schema.safeParse(input ?? {});
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) =>
    issue.path.length > 0 ? `${issue.path.join('.')}: ${issue.message}` : issue.message,
  );
  throw new AppError('VALIDATION_FAILED', `invalid ${what}: ${problems.join('; ')}`);
}
