import { z } from 'zod';
import { checkComponentRules } from './definition-rules';
import { isHostPattern } from './destination';
import { formatPath } from './path';
import { containsLiquidMarkup, templateSyntaxError } from './templates';
import { AUTH_KINDS, HTTP_METHODS, INPUT_FIELD_TYPES, type ComponentDefinition, type DefinitionError, type ParseResult } from './types';

/*
 * The shape of a component definition (as authored in catalog/*.yaml or sent by an API client).
 * This schema checks each value on its own; rules that relate values (unique keys, inputs an auth kind
 * needs, which variables a template may read) live in definition-rules.ts and run once the shape is right.
 * Objects are strict so a misspelt property (`requried: true`) is an error instead of a silent default.
 */

const slug = z.string().regex(/^[a-z][a-z0-9-]*$/, 'must be a slug: lowercase letters, digits and "-", starting with a letter');

// Input keys are read in templates as `connection.<key>` / `inputs.<key>`, so they must be identifiers.
const inputKey = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an identifier (letters, digits, "_"; not starting with a digit)');

const label = z.string().trim().min(1, 'must not be empty');

const template = z.string().superRefine((text, ctx) => {
  const error = templateSyntaxError(text);
  if (error) ctx.addIssue({ code: 'custom', message: error });
});

const HEADER_NAME_TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/; // RFC 9110 "token"
const headerName = z.string().superRefine((name, ctx) => {
  if (HEADER_NAME_TOKEN.test(name)) return;
  const error = containsLiquidMarkup(name) ? templateSyntaxError(name) : 'is not a valid HTTP header name';
  if (error) ctx.addIssue({ code: 'custom', message: error });
});
const headerTemplates = z.record(headerName, template);
const queryTemplates = z.record(z.string().min(1, 'query parameter name must not be empty'), template);

const inputFieldType = z
  .string()
  .transform((type) => type.toUpperCase())
  .pipe(
    z.enum(INPUT_FIELD_TYPES, {
      error: (issue) => `unknown input type ${JSON.stringify(issue.input)}; expected one of ${INPUT_FIELD_TYPES.join(', ')}`,
    }),
  );

export const inputFieldDefinitionSchema = z.strictObject({
  key: inputKey,
  label,
  type: inputFieldType,
  required: z.boolean().default(false),
  shown: z.boolean().default(true),
  default: z.string().optional(),
  example: z.string().optional(),
  comments: z.string().optional(),
  placeholder: z.string().optional(),
});

export const connectionDefinitionSchema = z.strictObject({
  key: slug,
  label,
  comments: z.string().optional(),
  authKind: z.enum(AUTH_KINDS, {
    error: (issue) => `unknown authKind ${JSON.stringify(issue.input)}; expected one of ${AUTH_KINDS.join(', ')}`,
  }),
  inputs: z.array(inputFieldDefinitionSchema).default([]),
  baseUrl: template.optional(),
  apply: z.strictObject({ headers: headerTemplates.optional(), query: queryTemplates.optional() }).optional(),
  /** OAuth 2.0 authorization code: extra query parameters of the authorize URL (Google's access_type=offline). */
  authorizeParams: z.record(z.string(), z.string()).optional(),
  /** Seed 002: each user may authenticate on their own (OAuth 2.0 authorization code only). */
  supportsUserAuthentication: z.boolean().default(false),
  destination: z
    .strictObject({
      inputs: z.array(inputKey).default([]),
      hosts: z
        .array(z.string().transform((host) => host.trim().toLowerCase()))
        .default([])
        .superRefine((hosts, ctx) => {
          hosts.forEach((host, index) => {
            if (!isHostPattern(host)) ctx.addIssue({ code: 'custom', path: [index], message: `"${host}" is not a host name or a "*.example.com" pattern` });
          });
        }),
    })
    .optional(),
});

// A literal method is normalised to upper case; a template (the generic http action takes the method as
// an input) is kept and must render to one of HTTP_METHODS at run time.
const method = z.string().transform((text, ctx) => {
  const upper = text.trim().toUpperCase();
  if ((HTTP_METHODS as readonly string[]).includes(upper)) return upper;
  const error = containsLiquidMarkup(text) ? templateSyntaxError(text) : `expected one of ${HTTP_METHODS.join(', ')}, or a template rendering to one`;
  if (error) ctx.addIssue({ code: 'custom', message: error });
  return text;
});

export const actionDefinitionSchema = z.strictObject({
  key: slug,
  label,
  description: z.string().optional(),
  connection: z.string().optional(),
  inputs: z.array(inputFieldDefinitionSchema).default([]),
  request: z.strictObject({
    method,
    url: template,
    headers: headerTemplates.optional(),
    query: queryTemplates.optional(),
    jsonHeaders: template.optional(),
    body: z.json().optional(),
  }),
});

export const componentDefinitionSchema = z.strictObject({
  key: slug,
  label,
  description: z.string().optional(),
  connections: z.array(connectionDefinitionSchema).default([]),
  actions: z.array(actionDefinitionSchema).default([]),
});

/** A definition whose shape is valid but whose cross-field rules have not been checked yet. */
export type RawComponentDefinition = z.output<typeof componentDefinitionSchema>;
export type RawConnectionDefinition = z.output<typeof connectionDefinitionSchema>;
export type RawActionDefinition = z.output<typeof actionDefinitionSchema>;
export type RawInputFieldDefinition = z.output<typeof inputFieldDefinitionSchema>;

/**
 * Validates a component definition and returns it normalised (defaults filled, input types upper case,
 * each action's connection resolved, implied credential `apply` written out), or every problem found,
 * each with the path of the offending value.
 */
export function parseComponentDefinition(input: unknown): ParseResult<ComponentDefinition> {
  const shape = componentDefinitionSchema.safeParse(input);
  if (!shape.success) return { ok: false, errors: shape.error.issues.flatMap(issueToErrors) };
  return checkComponentRules(shape.data);
}

// A record-key issue wraps the key's own issues under a generic "Invalid key in record"; surface those.
function issueToErrors(issue: z.core.$ZodIssue): DefinitionError[] {
  const path = formatPath(issue.path);
  if (issue.code === 'invalid_key' && issue.issues.length > 0) {
    return issue.issues.map((inner) => ({ path, message: inner.message }));
  }
  return [{ path, message: issue.message }];
}
