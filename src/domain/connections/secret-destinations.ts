import type { ManagedBy } from '../../db/tables';
import type { ConnectionDefinition } from '../components';
import { isSecret, type InputScope } from './input-expressions';

/**
 * Whoever sets a secret also controls where it is sent. On a customer-activated connection, customers
 * write the per-customer inputs; if the organization's key is global while a customer may set the base URL
 * (subdomain, instance URL, token URL), the customer can point the organization's key at a server of theirs.
 * One message per pair, naming both inputs; an empty list when the split is safe.
 */
export function secretDestinationProblems(connection: ConnectionDefinition, scopes: Readonly<Record<string, InputScope>>, managedBy: ManagedBy): string[] {
  if (managedBy !== 'customer') return []; // Only org admins write the per-customer values of org-activated connections.
  const globalSecrets = connection.inputs.filter((input) => isSecret(input) && scopes[input.key] === 'org');
  const customerDestinations = connection.destination.inputs.filter((key) => scopes[key] === 'customer');
  return globalSecrets.flatMap((secret) =>
    customerDestinations.map(
      (destination) =>
        `Input "${secret.key}" is a global secret, so "${destination}", which decides where it is sent, must be global too: ` +
        `give "${destination}" a value here (or meta {"inputScope": "org"}), or make "${secret.key}" per customer.`,
    ),
  );
}
