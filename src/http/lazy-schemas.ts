// Route schemas compiled on a route's first use instead of when the server starts. Fastify compiles every
// route's validators (ajv) and response serializers (fast-json-stringify) before it listens: with the REST
// API, the console, /metrics and the docs that is about a third of a broker's start-up CPU, spent on routes
// most brokers never serve. These factories are Fastify's own defaults (the same ajv options, the same
// errors), each compiled function built the first time it runs and kept from then on. A WebSocket message
// is validated by the same compiler with the same options as a body (messageValidator), so a record a REST
// body refuses is refused there too, with the same words.
import AjvCompiler, { type ValidatorFactory } from '@fastify/ajv-compiler';
import SerializerSelector, { type SerializerFactory } from '@fastify/fast-json-stringify-compiler';
import type { FastifySchemaValidationError } from 'fastify';

type Validate = ((data: unknown) => unknown) & { errors?: FastifySchemaValidationError[] | null };

/**
 * The ajv options of the server's request schemas (Fastify's `ajv.customOptions`). Path parameters, query
 * strings and headers are text, so their numbers and booleans are coerced from it ("?max_count=10").
 */
export const AJV_OPTIONS = {
  removeAdditional: false,
  coerceTypes: 'array',
  useDefaults: true,
  allowUnionTypes: true,
} as const;

/**
 * The options for JSON: request bodies and WebSocket messages. JSON has types of its own, so nothing is
 * coerced: `"partitions_count": "3"` is refused (400, naming the field) rather than read as 3, `""` is not
 * null and a lone object is not a list of one.
 */
export const JSON_AJV_OPTIONS = { ...AJV_OPTIONS, coerceTypes: false } as const;

/** A validator that compiles on its first call; like ajv's, it leaves the last call's errors on `.errors`. */
function lazyValidator(compile: () => Validate): Validate {
  let compiled: Validate | undefined;
  const validate: Validate = (data) => {
    compiled ??= compile();
    const result = compiled(data);
    validate.errors = compiled.errors;
    return result;
  };
  return validate;
}

type AjvValidate = ReturnType<ReturnType<ValidatorFactory>>;

export function lazyValidatorFactory(): ValidatorFactory {
  const build = AjvCompiler();
  return (externalSchemas, options) => {
    const compiler = build(externalSchemas, options);
    // The server's options are AJV_OPTIONS, without plugins (server.ts); bodies take them without coercion.
    const jsonCompiler = build(externalSchemas, { customOptions: JSON_AJV_OPTIONS });
    // Typed as ajv's function, whose `schema` and `schemaEnv` only exist once compiled: Fastify calls a
    // route's validator and reads its `errors`, nothing else.
    return (route) => {
      const compile = route.httpPart === 'body' ? jsonCompiler : compiler;
      return lazyValidator(() => compile(route) as Validate) as unknown as AjvValidate;
    };
  };
}

export function lazySerializerFactory(): SerializerFactory {
  const build = SerializerSelector();
  return (externalSchemas, options) => {
    const compiler = build(externalSchemas, options);
    return (route) => {
      let serialize: ((data: unknown) => string) | undefined;
      return (data: unknown) => {
        serialize ??= compiler(route);
        return serialize(data);
      };
    };
  };
}

/**
 * Schema errors as one sentence, `<dataVar><path> <message>` joined by ', ' (Fastify's own wording), naming
 * what ajv's words leave out: the property not taken (`body/entries/0 must NOT have property "id"`) and the
 * values an enum allows (`message/format must be one of "json", "binary"`). Fastify's schemaErrorFormatter
 * for every route, and the words of messageValidator.
 */
export function schemaErrorText(errors: readonly FastifySchemaValidationError[], dataVar: string): string {
  return errors
    .map((e) => {
      const message =
        e.keyword === 'additionalProperties'
          ? `must NOT have property ${JSON.stringify(e.params.additionalProperty)}`
          : e.keyword === 'enum' && Array.isArray(e.params.allowedValues)
            ? `must be one of ${e.params.allowedValues.map((v) => JSON.stringify(v)).join(', ')}`
            : e.message;
      return `${dataVar}${e.instancePath ?? ''} ${message}`;
    })
    .join(', ');
}

/**
 * A validator of a message that is not a request body (a WebSocket message), compiled on its first call as
 * a route's body schema is (with its options: nothing coerced): null when `data` is valid (defaults filled in
 * as for a body), else the errors as a route's are worded (schemaErrorText, `<name>/path message`).
 */
export function messageValidator(schema: object, name: string): (data: unknown) => string | null {
  const validate = lazyValidator(
    () =>
      AjvCompiler()({}, { customOptions: JSON_AJV_OPTIONS })({
        schema,
        method: 'POST',
        url: name,
        httpPart: 'body',
      }) as Validate,
  );
  return (data) => {
    if (validate(data)) return null;
    return schemaErrorText(validate.errors ?? [], name);
  };
}
