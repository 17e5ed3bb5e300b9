import type { DbOrTx } from '../../db/client';
import type { Actor } from '../actor';
import { notFoundAs } from '../connections/scoped-config-variables';
import type { FieldErrors } from '../errors';
import type { IntegrationDefinition } from '../integrations/definition';
import { getIntegration } from '../integrations/integrations';
import { getIntegrationVersion, latestAvailableVersion } from '../integrations/versions';
import type { InstanceDefinitions } from './definitions';

/**
 * What updateInstance(integration:) names: a published version (Prismatic pins instances to a version by its
 * id, prism's `instances:update --version`), or the integration itself, which means "follow the latest
 * available version again".
 */
export type VersionChoice = { versionId: string } | { integrationId: string };

/** The checked move: the version to pin (null: follow the latest), the definition it configures, and what the next deploy installs. */
export type VersionMove = { targetVersionId: string | null; definition: IntegrationDefinition; deploysVersionId: string | null };

const FIELD = 'integration';

/**
 * Checks a move within the instance's own integration. Another integration's version, a version of
 * another organization (which reads exactly like a missing one) and a withdrawn version are errors under
 * `integration`; nothing is read beyond what the caller may see.
 */
export async function checkVersionMove(
  db: DbOrTx,
  actor: Actor,
  current: InstanceDefinitions,
  choice: VersionChoice,
  errors: FieldErrors,
): Promise<VersionMove | null> {
  const integration = current.configured.integration;
  const otherIntegration = `Must be a version of this instance's integration "${integration.name}": an instance cannot move to another integration.`;
  if ('integrationId' in choice) {
    if (choice.integrationId !== integration.id) {
      const found = await getIntegration(db, actor, choice.integrationId).catch(notFoundAs(errors, FIELD));
      if (found) errors.add(FIELD, otherIntegration);
      return null;
    }
    const latest = await latestAvailableVersion(db, actor, integration.id);
    return { targetVersionId: null, definition: latest?.definition ?? current.configured.definition, deploysVersionId: latest?.id ?? null };
  }
  const version = await getIntegrationVersion(db, actor, choice.versionId).catch(notFoundAs(errors, FIELD));
  if (!version) return null;
  if (version.integrationId !== integration.id) {
    errors.add(FIELD, otherIntegration);
    return null;
  }
  if (!version.isAvailable) {
    errors.add(FIELD, `Version ${version.versionNumber} is unavailable (withdrawn with updateIntegrationVersionAvailability): choose an available one.`);
    return null;
  }
  return { targetVersionId: version.id, definition: version.definition, deploysVersionId: version.id };
}
