import { parseDocument, stringify } from 'yaml';
import { z } from 'zod';
import { USER_AUTH_POLICIES } from '../user-authentications/settings';

/*
 * The sync bundle (docs/sync.md): what one organization's configuration looks like outside its tenant.
 * Everything in it is matched by a key that means the same in every tenant (stable key, external id,
 * component key, env variable name); no id of the source tenant appears, and no secret: secrets are only
 * named, in `secrets`, as what the target must already have.
 */

export const BUNDLE_VERSION = 1;
/** Keeps one request from parsing an unbounded document (1,000 instances take about 300 KB). */
const BUNDLE_MAX_LENGTH = 20_000_000;

const text = z.string();
const optionalText = z.string().nullish();

const connectionInputSchema = z.object({
  name: text,
  scope: z.enum(['org', 'customer']),
  /** Only for a global input that is not secret; a global secret is listed in `secrets` instead. */
  value: z.string().optional(),
});

const connectionSchema = z.object({
  stableKey: text,
  key: text,
  description: optionalText,
  variableScope: z.enum(['org', 'customer']),
  managedBy: z.enum(['org', 'customer']),
  component: text,
  connection: text,
  inputs: z.array(connectionInputSchema),
  /** Seed 002's settings (never a user's tokens); absent in bundles from before them: the target's stay as they are. */
  userAuthentication: z.object({ enabled: z.boolean(), nonInteractivePolicy: z.enum(USER_AUTH_POLICIES) }).optional(),
});

const envVariableSchema = z.object({
  name: text,
  valueType: z.enum(['STRING', 'JSON']),
  isSecret: z.boolean(),
  /** Absent for a secret. */
  value: z.string().optional(),
});

const integrationSchema = z.object({
  /** The definition's canonical YAML, exactly what `integration { definition }` answers. */
  definition: text,
  /** Whether the source has published it: the target publishes what it imports, so instances can deploy it. */
  published: z.boolean(),
  /** The externalId of the customer it was built for (customer-specific); absent for the organization's own. */
  customer: z.string().optional(),
});

const customerSchema = z.object({
  /** Empty when the source customer has none: the plan then names it as a customer that cannot be matched. */
  externalId: text,
  name: text,
  description: optionalText,
  labels: z.array(text).default([]),
});

const inlineConnectionSchema = z.object({
  /** Non-secret inputs with their values. */
  values: z.record(z.string(), z.string()).default({}),
  /** Secret inputs the source has a value for; the target instance keeps (or needs) its own. */
  secretInputs: z.array(text).default([]),
});

const instanceSchema = z.object({
  /** The customer's externalId. */
  customer: text,
  /** The integration's stableKey. */
  integration: text,
  name: text,
  description: optionalText,
  labels: z.array(text).default([]),
  enabled: z.boolean().default(true),
  deployed: z.boolean().default(false),
  /** Plain config variable values by config variable key. */
  values: z.record(z.string(), z.string()).default({}),
  /** Inline connection inputs by config variable key. */
  connections: z.record(z.string(), inlineConnectionSchema).default({}),
});

const componentSchema = z.object({ key: text, definition: z.record(z.string(), z.unknown()) });

const secretSchema = z.union([z.object({ envVariable: text }), z.object({ connection: text, input: text })]);

const bundleSchema = z.object({
  bundleVersion: z.literal(BUNDLE_VERSION, { error: `bundleVersion must be ${BUNDLE_VERSION}` }),
  components: z.array(componentSchema).default([]),
  envVariables: z.array(envVariableSchema).default([]),
  connections: z.array(connectionSchema).default([]),
  integrations: z.array(integrationSchema).default([]),
  customers: z.array(customerSchema).default([]),
  instances: z.array(instanceSchema).default([]),
  secrets: z.array(secretSchema).default([]),
});

export type Bundle = z.infer<typeof bundleSchema>;
export type BundleConnection = z.infer<typeof connectionSchema>;
export type BundleEnvVariable = z.infer<typeof envVariableSchema>;
export type BundleIntegration = z.infer<typeof integrationSchema>;
export type BundleCustomer = z.infer<typeof customerSchema>;
export type BundleInstance = z.infer<typeof instanceSchema>;
export type BundleComponent = z.infer<typeof componentSchema>;
export type BundleSecret = z.infer<typeof secretSchema>;

export type BundleParseResult = { ok: true; bundle: Bundle } | { ok: false; messages: string[] };

/** Reads bundle text (YAML or JSON); every problem is one `<path>: <message>` line. */
export function parseBundle(source: string): BundleParseResult {
  if (source.trim() === '') return { ok: false, messages: ['bundle: This field is required.'] };
  if (source.length > BUNDLE_MAX_LENGTH) return { ok: false, messages: [`bundle: must be at most ${BUNDLE_MAX_LENGTH} characters`] };
  const document = parseDocument(source, { uniqueKeys: true, prettyErrors: false });
  if (document.errors.length > 0) return { ok: false, messages: document.errors.map((error) => `bundle: ${error.message.split('\n')[0]}`) };
  let data: unknown;
  try {
    data = document.toJS({ maxAliasCount: 100 });
  } catch (error) {
    return { ok: false, messages: [`bundle: ${(error as Error).message}`] };
  }
  const parsed = bundleSchema.safeParse(data);
  if (!parsed.success) return { ok: false, messages: parsed.error.issues.map((issue) => `${['bundle', ...issue.path].join('.')}: ${issue.message}`) };
  return { ok: true, bundle: parsed.data };
}

/** Canonical text: the same bundle always gives the same text, so bundles diff cleanly in version control. */
export function serializeBundle(bundle: Bundle): string {
  return stringify(bundle, { aliasDuplicateObjects: false, lineWidth: 0 });
}

export const secretName = (secret: BundleSecret) =>
  'envVariable' in secret ? `env variable "${secret.envVariable}"` : `input "${secret.input}" of connection "${secret.connection}"`;

/** How an instance is named across tenants: customer externalId, integration stableKey, instance name. */
export const instanceKey = (instance: Pick<BundleInstance, 'customer' | 'integration' | 'name'>) =>
  `${instance.customer}/${instance.integration}/${instance.name}`;
