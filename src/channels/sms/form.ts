/**
 * A form-encoded Twilio webhook body as name → value, the way Twilio signed it: a name sent
 * more than once keeps every value (the validator signs each of them).
 */
export type TwilioParameters = Record<string, string | string[]>;

/**
 * Decodes an `application/x-www-form-urlencoded` body (`+` is a space, `%XX` a byte of
 * UTF-8). Decoding never fails: a body that is not a form gives parameters that verify and
 * parse then reject.
 */
export function readForm(rawBody: Buffer): TwilioParameters {
  // No prototype: a parameter named `__proto__` is kept as data (Twilio signs it like any other).
  const parameters: TwilioParameters = Object.create(null);
  for (const [name, value] of new URLSearchParams(rawBody.toString('utf8'))) {
    const earlier = parameters[name];
    if (earlier === undefined) parameters[name] = value;
    else parameters[name] = Array.isArray(earlier) ? [...earlier, value] : [earlier, value];
  }
  return parameters;
}
