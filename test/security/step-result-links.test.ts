import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stepResultLinkToken, STEP_RESULT_LINK_TTL_MS } from '../../src/domain/executions/step-result-links';
import { encodeGlobalId } from '../../src/lib/global-id';
import { seedFinishedExecution } from '../support/executions';
import { createHarness, gql, type Harness } from '../support/harness';
import { seedCustomer, seedOrg, type SeededOrg } from '../support/seed';

let h: Harness;
let org: SeededOrg;
let other: SeededOrg;
let executionId: string;
let customerToken: string;
let strangerToken: string;

const STEPS = `query($id: ID!, $name: String, $order: InstanceStepResultOrder) {
  executionResult(id: $id) { stepResults(displayStepName: $name, orderBy: $order) { nodes { displayStepName resultsUrl } } }
}`;
const at = (second: number) => new Date(Date.UTC(2026, 11, 1, 12, 0, second));

beforeAll(async () => {
  h = createHarness();
  org = await seedOrg(h.database.db);
  other = await seedOrg(h.database.db);
  const created = await gql(h.app, `mutation { createIntegration(input: { name: "Runs" }) { integration { id } } }`, {}, org.adminToken);
  const integrationId = Buffer.from(created.data.createIntegration.integration.id, 'base64').toString().split(':')[1]!;
  const customer = await seedCustomer(h.database.db, org.admin, { name: 'Owner' });
  const stranger = await seedCustomer(h.database.db, org.admin, { name: 'Stranger' });
  customerToken = (await org.customerUser(customer.id)).token;
  strangerToken = (await org.customerUser(stranger.id)).token;
  const run = await seedFinishedExecution(h.database.db, { orgId: org.orgId, integrationId, customerId: customer.id }, [
    { stepName: 'Fetch invoice', output: { invoice: 42, lines: ['a', 'b'] }, startedAt: at(1), endedAt: at(2) },
    { stepName: 'Send', output: 'sent', startedAt: at(3), endedAt: at(4) },
  ]);
  executionId = encodeGlobalId('InstanceExecutionResult', run.execution.id);
});
afterAll(() => h.close());

const stepsOf = async (token: string, variables: Record<string, unknown> = {}) => {
  const res = await gql(h.app, STEPS, { id: executionId, ...variables }, token);
  return res.data?.executionResult?.stepResults.nodes as { displayStepName: string; resultsUrl: string }[] | undefined;
};
const fetchLink = (url: string) => h.app.fetch(new Request(url));
/** Reads exactly `{ data: bin32, contentType: str }` (fixmap of two): the envelope prism decodes. */
async function envelopeOf(response: Response) {
  const body = Buffer.from(await response.arrayBuffer());
  expect([body[0], body.subarray(1, 6).toString('latin1'), body[6]]).toEqual([0x82, '\xa4data', 0xc6]);
  const length = body.readUInt32BE(7);
  const data = body.subarray(11, 11 + length).toString('utf8');
  const rest = body.subarray(11 + length);
  expect(rest.toString('latin1')).toBe('\xabcontentType\xb0application/json');
  return JSON.parse(data) as unknown;
}

describe('InstanceStepResult.resultsUrl', () => {
  it("serves that step's output, without a token, in Prismatic's MessagePack envelope", async () => {
    const [step] = (await stepsOf(org.adminToken, { name: 'Fetch invoice' }))!;
    expect(step!.displayStepName).toBe('Fetch invoice');
    expect(step!.resultsUrl.startsWith('http://127.0.0.1/step-results/')).toBe(true);
    const response = await fetchLink(step!.resultsUrl);
    expect(response.status).toBe(200);
    expect(await envelopeOf(response)).toEqual({ invoice: 42, lines: ['a', 'b'] });
  });

  it('stepResults filter by displayStepName and sort by start', async () => {
    const names = async (order: unknown) => (await stepsOf(org.adminToken, { order }))!.map((s) => s.displayStepName);
    expect(await names({ field: 'STARTED_AT', direction: 'DESC' })).toEqual(['Send', 'Fetch invoice']);
    expect(await names({ field: 'STARTED_AT', direction: 'ASC' })).toEqual(['Fetch invoice', 'Send']);
    expect(await stepsOf(org.adminToken, { name: 'No such step' })).toEqual([]);
  });

  it("the run's customer user gets a working link; another customer's user and another organization see no run", async () => {
    const [step] = (await stepsOf(customerToken, { name: 'Send' }))!;
    expect(await envelopeOf(await fetchLink(step!.resultsUrl))).toBe('sent');
    expect(await stepsOf(strangerToken)).toBeUndefined();
    expect(await stepsOf(other.adminToken)).toBeUndefined();
  });

  it('a link that is altered, moved to another organization, expired or made for a user who cannot see the run answers 404', async () => {
    const [step] = (await stepsOf(org.adminToken, { name: 'Send' }))!;
    const token = step!.resultsUrl.split('/step-results/')[1]!;
    const [orgId, sealed] = token.split('.') as [string, string];
    const altered = `${orgId}.${sealed.slice(0, 40)}${sealed[40] === 'A' ? 'B' : 'A'}${sealed.slice(41)}`;
    const moved = `${other.orgId}.${sealed}`;
    const stepId = (await h.database.db.query.stepResults.findFirst({ where: (s, { eq }) => eq(s.stepName, 'Send') }))!.id;
    const expired = await stepResultLinkToken(h.database.db, h.vault, org.admin, stepId, Date.now() - STEP_RESULT_LINK_TTL_MS - 1);
    const stranger = await stepResultLinkToken(
      h.database.db,
      h.vault,
      (await org.customerUser((await seedCustomer(h.database.db, org.admin)).id)).actor,
      stepId,
    );
    for (const bad of [altered, moved, expired, stranger, 'nonsense']) {
      const response = await fetchLink(`http://127.0.0.1/step-results/${bad}`);
      expect(response.status, bad).toBe(404);
      expect(await response.text()).not.toContain('sent');
    }
  });
});
