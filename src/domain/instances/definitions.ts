import { inArray } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client';
import { integrationVersions } from '../../db/tables';
import type { Actor } from '../actor';
import type { IntegrationDefinition } from '../integrations/definition';
import { configDefinitionsOf, type ConfigDefinition } from '../integrations/integrations';
import type { IntegrationVersion } from '../integrations/versions';
import { configReportsOf, type InstanceConfigReport } from './config-state';
import type { Instance } from './instances';

/**
 * The two definitions an instance has. It is *configured* against the version its next deploy installs:
 * the one updateInstance(integration:) moved it to, else its integration's latest published version (the
 * draft until the first publish); config variable keys are checked against it. It *runs* its deployed
 * version (before the first deploy, the configured one, which is what tests and the flow list show).
 */
export type InstanceDefinitions = {
  instance: Instance;
  configured: ConfigDefinition;
  deployedVersion: IntegrationVersion | null;
  /** The version the instance was moved to (updateInstance(integration:)); null: it follows the latest. */
  targetVersion: IntegrationVersion | null;
  running: IntegrationDefinition;
  /**
   * Never deployed, or the next deploy would install another version: the one it was moved to, or a newer
   * published one. Config changes apply at once and need none.
   */
  needsDeploy: boolean;
};

/** For many instances in at most three statements. The caller has checked that the instances are visible. */
export async function instanceDefinitionsOf(db: DbOrTx, instances: readonly Instance[]): Promise<InstanceDefinitions[]> {
  if (instances.length === 0) return [];
  const versionIds = [...new Set(instances.flatMap((instance) => [instance.deployedVersionId, instance.targetVersionId].filter((id) => id != null)))];
  const [configured, versions] = await Promise.all([
    configDefinitionsOf(
      db,
      instances.map((instance) => instance.integrationId),
    ),
    versionIds.length ? db.select().from(integrationVersions).where(inArray(integrationVersions.id, versionIds)) : Promise.resolve([]),
  ]);
  return instances.map((instance) => {
    const latestConfig = configured.get(instance.integrationId)!;
    // The test (system) instance is configured against the draft and runs it: there is nothing to deploy.
    if (instance.isSystem) {
      const draft = { ...latestConfig, definition: latestConfig.integration.definition };
      return { instance, configured: draft, deployedVersion: null, targetVersion: null, running: draft.definition, needsDeploy: false };
    }
    const deployedVersion = versions.find((version) => version.id === instance.deployedVersionId) ?? null;
    const targetVersion = versions.find((version) => version.id === instance.targetVersionId) ?? null;
    const config = targetVersion ? { ...latestConfig, definition: targetVersion.definition } : latestConfig;
    const latest = latestConfig.latestVersion?.versionNumber ?? 0;
    return {
      instance,
      configured: config,
      deployedVersion,
      targetVersion,
      running: deployedVersion?.definition ?? config.definition,
      needsDeploy: deployedVersion === null || (targetVersion ? deployedVersion.id !== targetVersion.id : deployedVersion.versionNumber < latest),
    };
  });
}

/**
 * Whether the instance is fully configured for the definition it is configured against, and what is missing:
 * values, inline connection inputs, reusable connections absent from this tenant, or a customer's values
 * for a per-customer reusable connection.
 */
export async function configStateOf(db: DbOrTx, actor: Actor, instance: Instance): Promise<InstanceConfigReport> {
  const [definitions] = await instanceDefinitionsOf(db, [instance]);
  const [report] = await configReportsOf(db, actor, [{ instance, definition: definitions!.configured.definition }]);
  return report!;
}
