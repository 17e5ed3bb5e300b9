import type { EngineConfig } from '../../src/config';
import { startFakeOAuthServer, type FakeOAuthOptions, type FakeOAuthServer } from '../fakes/fake-oauth-server';
import { createHarness, type Harness } from './harness';
import { lateOAuth2Callback } from './oauth2';
import { seedOrg, type SeededOrg } from './seed';
import { startTestWorker } from './worker';

/** What the OAuth 2.0 and user-authentication engine tests start in their beforeAll. */
export type OAuth2Testbed = { h: Harness; org: SeededOrg; oauth: FakeOAuthServer; close: () => Promise<void> };

/**
 * A harness (with the OAuth 2.0 callback route when `callback`), a fresh organization, the fake provider,
 * and a worker unless `worker` is false; `close` stops them in reverse order.
 */
export async function startOAuth2Testbed(
  opts: { callback?: boolean; worker?: Partial<EngineConfig> | false; oauth?: FakeOAuthOptions } = {},
): Promise<OAuth2Testbed> {
  const callback = opts.callback ? lateOAuth2Callback() : null;
  const h = createHarness({ routes: callback ? [callback.route] : [] });
  const closeCallback = callback?.attach(h);
  const org = await seedOrg(h.database.db);
  const oauth = await startFakeOAuthServer(opts.oauth);
  const worker = opts.worker === false ? null : await startTestWorker(opts.worker);
  return {
    h,
    org,
    oauth,
    close: async () => {
      await worker?.stop();
      await closeCallback?.();
      await oauth.close();
      await h.close();
    },
  };
}
