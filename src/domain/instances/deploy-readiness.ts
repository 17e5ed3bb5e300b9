import type { DbOrTx } from '../../db/client';
import type { Actor } from '../actor';
import { InvalidInputError } from '../errors';
import type { IntegrationDefinition } from '../integrations/definition';
import { configReportsOf, type ConfigProblem } from './config-state';
import type { Instance } from './instances';

/**
 * What stops a deploy: the instance's own configuration for the version being deployed (config variables
 * without a value, inline connections missing inputs, connections this tenant lacks). A customer's values
 * for an organization's connection are not the instance's: they are set on their own
 * (createCustomerConfigVariable, or by the customer for customer-activated ones), also after the deploy;
 * so is authorizing an inline OAuth 2.0 connection, often done by the customer once the instance exists.
 * Until then `missingConfiguration` lists them and a run fails naming them.
 */
/** Whether a configuration problem stops a deploy (the instance's own configuration), see requireDeployable. */
export const blocksDeploy = (problem: ConfigProblem) => problem.kind !== 'missing-customer-values' && problem.kind !== 'needs-authorization';

export async function requireDeployable(db: DbOrTx, actor: Actor, instance: Instance, definition: IntegrationDefinition): Promise<void> {
  const [report] = await configReportsOf(db, actor, [{ instance, definition }]);
  const blocking = report!.missing.filter(blocksDeploy);
  if (blocking.length === 0) return;
  throw new InvalidInputError([
    { field: 'configVariables', messages: ['The instance cannot be deployed until it is configured:', ...blocking.map((problem) => problem.message)] },
  ]);
}
