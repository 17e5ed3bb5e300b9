import { describe, expect, it } from 'vitest';
import type { UserAuthPolicy } from '../../domain/user-authentications/settings';
import { chooseCredential, type CredentialChoice, type CredentialFacts } from './choose-credential';

const base: CredentialFacts = {
  connectionLabel: 'Zendesk',
  customerLabel: 'Acme',
  isTestRun: false,
};

const scopedWithValue = {
  kind: 'scoped',
  scopedConfigVariableId: 'scv-1',
  customerConfigVariableId: 'ccv-acme',
} as const;
const scopedWithoutValue = { ...scopedWithValue, customerConfigVariableId: null } as const;
const inlineComplete = { kind: 'inline', instanceConfigVariableId: 'icv-1', complete: true } as const;
const inlineIncomplete = { ...inlineComplete, complete: false } as const;

const dynamic = (
  found: { id: string; componentKey: string; customerId?: string | null } | null | undefined,
  rawId = 'auth-42',
  runCustomerId: string | null = 'cust-acme',
) => ({
  requested: true,
  stepName: 'List tickets',
  found: found && { customerId: null, ...found },
  expectedComponentKey: 'zendesk',
  runCustomerId,
  rawId,
});

const userAuth = (overrides: Partial<NonNullable<CredentialFacts['userAuth']>> = {}): NonNullable<CredentialFacts['userAuth']> => ({
  enabled: true,
  actingUserId: 'user-7',
  credential: null,
  interactive: false,
  policy: 'END_WITH_ERROR',
  ...overrides,
});

interface Row {
  name: string;
  facts: Partial<CredentialFacts>;
  expected: CredentialChoice;
}

const rows: Row[] = [
  // Rule 1: dynamic auth.
  {
    name: 'a found dynamic auth of the right component wins over everything else',
    facts: {
      dynamicAuth: dynamic({ id: 'auth-42', componentKey: 'zendesk', customerId: 'cust-acme' }),
      userAuth: userAuth({ credential: { id: 'ua-1' } }),
      instanceBinding: scopedWithValue,
      isTestRun: true,
      testCredential: { customerConfigVariableId: 'ccv-test' },
    },
    expected: {
      outcome: 'use',
      source: 'DYNAMIC_AUTH',
      credentialId: 'auth-42',
      rule: 1,
      reason: "Connector auth auth-42 was chosen by the auth expression of step 'List tickets'.",
      warnings: [],
    },
  },
  {
    name: "an organization-wide auth (no customer) serves any customer's run",
    facts: { dynamicAuth: dynamic({ id: 'auth-42', componentKey: 'zendesk', customerId: null }), instanceBinding: scopedWithValue },
    expected: expect.objectContaining({ outcome: 'use', source: 'DYNAMIC_AUTH', credentialId: 'auth-42', rule: 1 }) as CredentialChoice,
  },
  {
    name: "a customer's auth serves a run without a customer (a test run)",
    facts: { dynamicAuth: dynamic({ id: 'auth-42', componentKey: 'zendesk', customerId: 'cust-other' }, 'auth-42', null), isTestRun: true },
    expected: expect.objectContaining({ outcome: 'use', source: 'DYNAMIC_AUTH', credentialId: 'auth-42', rule: 1 }) as CredentialChoice,
  },
  {
    name: 'an unknown (or foreign) dynamic auth fails without fallback',
    facts: { dynamicAuth: dynamic(null), instanceBinding: scopedWithValue },
    expected: { outcome: 'fail', rule: 1, reason: "Connector auth 'auth-42' (the auth of step 'List tickets') was not found." },
  },
  {
    name: 'a dynamic auth that was not loaded at all is treated as not found',
    facts: { dynamicAuth: dynamic(undefined), instanceBinding: scopedWithValue },
    expected: { outcome: 'fail', rule: 1, reason: "Connector auth 'auth-42' (the auth of step 'List tickets') was not found." },
  },
  {
    name: "another customer's auth fails on this customer's run, without saying whose it is",
    facts: { dynamicAuth: dynamic({ id: 'auth-42', componentKey: 'zendesk', customerId: 'cust-other' }), instanceBinding: scopedWithValue },
    expected: {
      outcome: 'fail',
      rule: 1,
      reason: "Connector auth 'auth-42' (the auth of step 'List tickets') belongs to another customer than this run's.",
    },
  },
  {
    name: 'a dynamic auth for another component fails naming both components',
    facts: {
      dynamicAuth: dynamic({ id: 'auth-42', componentKey: 'salesforce' }),
      instanceBinding: scopedWithValue,
    },
    expected: {
      outcome: 'fail',
      rule: 1,
      reason: "Connector auth 'auth-42' (the auth of step 'List tickets') is for component 'salesforce', but the step's action needs component 'zendesk'.",
    },
  },
  {
    name: 'an empty dynamic auth id still fails: the expression was meant to choose',
    facts: { dynamicAuth: dynamic(null, '  '), instanceBinding: scopedWithValue },
    expected: {
      outcome: 'fail',
      rule: 1,
      reason: "The auth expression of step 'List tickets' produced no connector auth id.",
    },
  },
  {
    name: 'a dynamic auth that was not requested is ignored',
    facts: {
      dynamicAuth: { requested: false, stepName: 'List tickets', expectedComponentKey: 'zendesk', runCustomerId: 'cust-acme' },
      instanceBinding: scopedWithValue,
    },
    expected: {
      outcome: 'use',
      source: 'INSTANCE_SCOPED_CONNECTION',
      credentialId: 'ccv-acme',
      rule: 3,
      reason: "The instance's connection 'Zendesk' uses the value set for customer 'Acme'.",
      warnings: [],
    },
  },

  // Rule 2: user authentication.
  {
    name: "the acting user's own authentication wins over the instance binding",
    facts: { userAuth: userAuth({ credential: { id: 'ua-1' } }), instanceBinding: scopedWithValue },
    expected: {
      outcome: 'use',
      source: 'USER_AUTHENTICATION',
      credentialId: 'ua-1',
      rule: 2,
      reason: "The authentication of user 'user-7' for connection 'Zendesk' was used.",
      warnings: [],
    },
  },
  {
    name: 'an interactive run without a user authentication pauses, whatever the policy',
    facts: {
      userAuth: userAuth({ interactive: true, policy: 'FALLBACK_TO_CONNECTOR_USER' }),
      instanceBinding: scopedWithValue,
    },
    expected: {
      outcome: 'pause',
      rule: 2,
      reason: "User 'user-7' has no working authentication for connection 'Zendesk'; the run is interactive, so it waits until the user authenticates.",
    },
  },
  {
    name: 'policy PAUSE_UNTIL_AUTHENTICATED pauses a non-interactive run',
    facts: {
      userAuth: userAuth({ policy: 'PAUSE_UNTIL_AUTHENTICATED' }),
      instanceBinding: scopedWithValue,
    },
    expected: {
      outcome: 'pause',
      rule: 2,
      reason:
        "User 'user-7' has no working authentication for connection 'Zendesk'; the connection's non-interactive policy PAUSE_UNTIL_AUTHENTICATED pauses the run until the user authenticates.",
    },
  },
  {
    name: 'policy END_WITH_ERROR fails a non-interactive run',
    facts: { userAuth: userAuth({ policy: 'END_WITH_ERROR' }), instanceBinding: scopedWithValue },
    expected: {
      outcome: 'fail',
      rule: 2,
      reason:
        "User 'user-7' has no working authentication for connection 'Zendesk', and the connection's non-interactive policy END_WITH_ERROR ends the run with an error.",
    },
  },
  {
    name: 'policy FALLBACK_TO_CONNECTOR_USER uses the instance binding, without a warning',
    facts: {
      userAuth: userAuth({ policy: 'FALLBACK_TO_CONNECTOR_USER' }),
      instanceBinding: scopedWithValue,
    },
    expected: {
      outcome: 'use',
      source: 'CONNECTOR_USER_FALLBACK',
      credentialId: 'ccv-acme',
      rule: 3,
      reason:
        "User 'user-7' has no working authentication for connection 'Zendesk'; the connection's non-interactive policy FALLBACK_TO_CONNECTOR_USER fell back to the connector user. The instance's connection 'Zendesk' uses the value set for customer 'Acme'.",
      warnings: [],
    },
  },
  {
    name: 'policy FALLBACK_WITH_WARNING uses the instance binding and warns',
    facts: {
      userAuth: userAuth({ policy: 'FALLBACK_WITH_WARNING' }),
      instanceBinding: inlineComplete,
    },
    expected: {
      outcome: 'use',
      source: 'CONNECTOR_USER_FALLBACK',
      credentialId: 'icv-1',
      rule: 3,
      reason:
        "User 'user-7' has no working authentication for connection 'Zendesk'; the connection's non-interactive policy FALLBACK_WITH_WARNING fell back to the connector user. The instance's own values for connection 'Zendesk' were used.",
      warnings: ["User 'user-7' has no working authentication for connection 'Zendesk'; the step ran with the connector user's credential instead."],
    },
  },
  {
    name: 'a fallback in a test run lands on the test credential (rule 4)',
    facts: {
      customerLabel: null,
      isTestRun: true,
      userAuth: userAuth({ policy: 'FALLBACK_TO_CONNECTOR_USER' }),
      testCredential: { customerConfigVariableId: 'ccv-test' },
    },
    expected: {
      outcome: 'use',
      source: 'CONNECTOR_USER_FALLBACK',
      credentialId: 'ccv-test',
      rule: 4,
      reason:
        "User 'user-7' has no working authentication for connection 'Zendesk'; the connection's non-interactive policy FALLBACK_TO_CONNECTOR_USER fell back to the connector user. This is a test run, so the test credentials of connection 'Zendesk' were used.",
      warnings: [],
    },
  },
  {
    name: 'a fallback that finds no connector user credential fails at rule 5 and says both',
    facts: {
      userAuth: userAuth({ policy: 'FALLBACK_WITH_WARNING' }),
      instanceBinding: scopedWithoutValue,
    },
    expected: {
      outcome: 'fail',
      rule: 5,
      reason:
        "User 'user-7' has no working authentication for connection 'Zendesk', and the connection's non-interactive policy FALLBACK_WITH_WARNING falls back to the connector user, who has none either: Connection 'Zendesk' has no value for customer 'Acme'.",
    },
  },
  {
    name: 'user authentication is skipped when the run has no acting user (e.g. a schedule)',
    facts: {
      userAuth: userAuth({ actingUserId: null, policy: 'END_WITH_ERROR' }),
      instanceBinding: scopedWithValue,
    },
    expected: {
      outcome: 'use',
      source: 'INSTANCE_SCOPED_CONNECTION',
      credentialId: 'ccv-acme',
      rule: 3,
      reason: "The instance's connection 'Zendesk' uses the value set for customer 'Acme'.",
      warnings: [],
    },
  },
  {
    name: 'user authentication is skipped when the connection does not enable it',
    facts: {
      userAuth: userAuth({ enabled: false, credential: { id: 'ua-1' } }),
      instanceBinding: inlineComplete,
    },
    expected: {
      outcome: 'use',
      source: 'INSTANCE_INLINE_CONNECTION',
      credentialId: 'icv-1',
      rule: 3,
      reason: "The instance's own values for connection 'Zendesk' were used.",
      warnings: [],
    },
  },

  // Rule 3: instance binding.
  {
    name: 'a scoped connection without a value for the customer fails naming both',
    facts: { instanceBinding: scopedWithoutValue },
    expected: { outcome: 'fail', rule: 5, reason: "Connection 'Zendesk' has no value for customer 'Acme'." },
  },
  {
    name: 'a scoped connection in a run without a customer says the customer is missing',
    facts: { customerLabel: null, instanceBinding: scopedWithoutValue },
    expected: {
      outcome: 'fail',
      rule: 5,
      reason: "Connection 'Zendesk' needs a customer's value, but this run has no customer.",
    },
  },
  {
    name: 'an incomplete inline connection fails',
    facts: { instanceBinding: inlineIncomplete },
    expected: {
      outcome: 'fail',
      rule: 5,
      reason: "Connection 'Zendesk' on this instance is missing required values.",
    },
  },
  {
    name: 'a complete binding wins over test credentials in a test run',
    facts: {
      isTestRun: true,
      instanceBinding: scopedWithValue,
      testCredential: { customerConfigVariableId: 'ccv-test' },
    },
    expected: {
      outcome: 'use',
      source: 'INSTANCE_SCOPED_CONNECTION',
      credentialId: 'ccv-acme',
      rule: 3,
      reason: "The instance's connection 'Zendesk' uses the value set for customer 'Acme'.",
      warnings: [],
    },
  },

  // Rule 4: test credentials.
  {
    name: 'a test run without a binding uses the test credential',
    facts: {
      customerLabel: null,
      isTestRun: true,
      testCredential: { customerConfigVariableId: 'ccv-test' },
    },
    expected: {
      outcome: 'use',
      source: 'TEST_CREDENTIAL',
      credentialId: 'ccv-test',
      rule: 4,
      reason: "This is a test run, so the test credentials of connection 'Zendesk' were used.",
      warnings: [],
    },
  },
  {
    name: 'a test run whose scoped binding has no value falls through to the test credential',
    facts: {
      customerLabel: null,
      isTestRun: true,
      instanceBinding: scopedWithoutValue,
      testCredential: { customerConfigVariableId: 'ccv-test' },
    },
    expected: {
      outcome: 'use',
      source: 'TEST_CREDENTIAL',
      credentialId: 'ccv-test',
      rule: 4,
      reason: "This is a test run, so the test credentials of connection 'Zendesk' were used.",
      warnings: [],
    },
  },
  {
    name: 'a test run without test credentials fails',
    facts: { customerLabel: null, isTestRun: true, testCredential: null },
    expected: {
      outcome: 'fail',
      rule: 5,
      reason: "Connection 'Zendesk' has no test credentials for test runs.",
    },
  },
  {
    name: 'a test run lists everything that is missing',
    facts: { isTestRun: true, instanceBinding: inlineIncomplete },
    expected: {
      outcome: 'fail',
      rule: 5,
      reason: "Connection 'Zendesk' on this instance is missing required values; Connection 'Zendesk' has no test credentials for test runs.",
    },
  },
  {
    name: 'test credentials are never used outside a test run',
    facts: { testCredential: { customerConfigVariableId: 'ccv-test' } },
    expected: {
      outcome: 'fail',
      rule: 5,
      reason: "Connection 'Zendesk' has no credential for customer 'Acme': the instance does not bind it.",
    },
  },

  // Rule 5: nothing applies.
  {
    name: 'no binding for a customer run fails naming connection and customer',
    facts: { instanceBinding: null },
    expected: {
      outcome: 'fail',
      rule: 5,
      reason: "Connection 'Zendesk' has no credential for customer 'Acme': the instance does not bind it.",
    },
  },
  {
    name: 'no binding and no customer fails naming the connection',
    facts: { customerLabel: null },
    expected: {
      outcome: 'fail',
      rule: 5,
      reason: "Connection 'Zendesk' has no credential: the run has no instance binding for it.",
    },
  },
];

describe('chooseCredential', () => {
  it.each(rows)('$name', ({ facts, expected }) => {
    expect(chooseCredential({ ...base, ...facts })).toEqual(expected);
  });

  it.each<UserAuthPolicy>(['FALLBACK_TO_CONNECTOR_USER', 'FALLBACK_WITH_WARNING', 'PAUSE_UNTIL_AUTHENTICATED', 'END_WITH_ERROR'])(
    'an existing user authentication is used whatever the policy (%s)',
    (policy) => {
      const choice = chooseCredential({
        ...base,
        userAuth: userAuth({ policy, credential: { id: 'ua-1' } }),
      });
      expect(choice).toMatchObject({ outcome: 'use', source: 'USER_AUTHENTICATION', rule: 2 });
    },
  );

  it('keeps hostile ids from a webhook to one short line', () => {
    const rawId = `evil\r\nX-Injected: 1${'a'.repeat(300)}`;
    const choice = chooseCredential({ ...base, dynamicAuth: dynamic(null, rawId) });
    expect(choice.outcome).toBe('fail');
    expect(choice.reason).not.toMatch(/[\r\n]/);
    expect(choice.reason.length).toBeLessThan(180);
    expect(choice.reason.startsWith("Connector auth 'evil  X-Injected: 1aaa")).toBe(true);
  });

  it('never mentions the credential ids of rules it did not choose', () => {
    const choice = chooseCredential({
      ...base,
      dynamicAuth: dynamic(null),
      userAuth: userAuth({ credential: { id: 'ua-secret-id' } }),
      instanceBinding: scopedWithValue,
    });
    expect(JSON.stringify(choice)).not.toMatch(/ua-secret-id|ccv-acme|scv-1/);
  });
});
