import { randomUUID } from 'node:crypto';
import { loadConfig, type WebhookSettings } from '../../src/config';
import { createApp } from '../../src/http/app';
import { webhookRoutes } from '../../src/http/webhooks';
import { encodeGlobalId } from '../../src/lib/global-id';
import { createLogger } from '../../src/log';
import type { Harness } from '../support/harness';
import { deployInstance, importAndPublish } from '../support/integrations';
import { captureLog } from '../support/log-capture';
import { seedCustomer, type SeededOrg } from '../support/seed';

/** A one-step webhook flow that needs no connection, so its webhook works without any credential set up. */
export const receiveDefinition = (stableKey: string) => `
name: ${stableKey}
stableKey: ${stableKey}
flows:
  - name: Receive
    stableKey: receive
    trigger: { type: webhook }
    steps:
      - name: Keep
        type: set-variables
        variables: { seen: "{{ trigger.body }}" }
`;

/** Deploys `count` instances of the receive flow for one new customer; returns their webhook paths. */
export async function deployReceivers(h: Harness, org: SeededOrg, count = 1) {
  const integration = await importAndPublish(h.app, org.adminToken, receiveDefinition(`wh-${randomUUID().slice(0, 8)}`));
  const customer = encodeGlobalId('Customer', (await seedCustomer(h.database.db, org.admin)).id);
  const paths: string[] = [];
  const instanceIds: string[] = [];
  for (let i = 0; i < count; i++) {
    const instance = await deployInstance(h.app, org.adminToken, { integration: integration.id, customer, name: `Receiver ${i}` });
    paths.push(new URL(instance.webhooks.receive!).pathname);
    instanceIds.push(instance.id);
  }
  return { paths, instanceIds };
}

/** The app of `h` with webhook routes of other settings (the harness's own use the defaults). */
export function appWithWebhookSettings(h: Harness, settings: Partial<WebhookSettings>) {
  const log = createLogger('info', captureLog);
  const routes = webhookRoutes({ db: h.database.db, vault: h.vault, log, settings: { ...loadConfig({}).webhooks, ...settings } });
  return createApp({ db: h.database.db, vault: h.vault, log, tenantName: 'test', publicUrl: 'http://127.0.0.1', routes });
}
