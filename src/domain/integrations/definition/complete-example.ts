/**
 * A definition using every feature, shared by the tests and mirrored in docs/definition.md:
 * the seeds' per-run auth ids (webhook query, loop over an auth-id map) and an org-activated
 * connection matched by stable key.
 */
export const COMPLETE_EXAMPLE_YAML = `name: Sync tickets
description: Copies each customer's Zendesk tickets into Acme.
stableKey: sync-tickets
requiredConfigVars:
  - key: Acme Connection
    stableKey: acme-connection
    dataType: connection
    useScopedConfigVar: acme-api-key
  - key: Zendesk
    stableKey: zendesk
    dataType: connection
    connection: { component: zendesk, key: api-token }
  - key: Batch size
    dataType: number
    defaultValue: "50"
  - key: Client auth ids
    description: Customer name → connector auth ids, as in the env variable of the seed.
    dataType: json
    defaultValue: '{"acme": {"zendesk_auth_id": "12345678"}}'
  - key: Sync schedule
    stableKey: sync-schedule
    dataType: schedule
    defaultValue: "*/5 * * * *"
    timeZone: Europe/Berlin
flows:
  - name: Ticket webhook
    stableKey: ticket-webhook
    description: Called by the vendor's backend with the customer's auth id in the query string.
    trigger: { type: webhook, synchronous: true }
    steps:
      - name: Get tickets
        stableKey: get-tickets
        action: { component: zendesk, key: list-tickets }
        connection: Zendesk
        auth: "{{ trigger.query.zendesk_auth_id }}"
        inputs:
          pageSize: "{{ configVars['Batch size'] }}"
      - name: Check
        type: branch
        branches:
          - name: Has tickets
            condition: "{{ steps['Get tickets'].results.tickets.size > 0 }}"
            steps:
              - name: Push to Acme
                action: { component: acme-api, key: create-record }
                connection: Acme Connection
                inputs:
                  name: "Tickets of {{ customer.name }}"
                  description: "{{ steps['Get tickets'].results.tickets | size }} tickets"
        else:
          - name: Nothing to do
            type: set-variables
            variables: { total: 0 }
  - name: Scheduled sync
    stableKey: scheduled-sync
    trigger: { type: schedule, configVar: Sync schedule }
    steps:
      - name: Load clients
        type: set-variables
        variables:
          clients: "{{ configVars['Client auth ids'] }}"
      - name: For each client
        type: loop
        items: "{{ variables.clients }}"
        itemName: oneClient
        onError: continue
        steps:
          - name: Get client tickets
            action: { component: zendesk, key: list-tickets }
            auth: "{{ oneClient.zendesk_auth_id }}"
            inputs: { pageSize: "{{ trigger.body.pageSize | default: '25' }}" }
          - name: For each ticket
            type: loop
            items: "{{ steps['Get client tickets'].results.tickets }}"
            itemName: ticket
            steps:
              - name: Copy ticket
                action: { component: acme-api, key: create-record }
                connection: Acme Connection
                inputs: { name: "{{ ticket.subject }}", description: "{{ ticket.description }}" }
  - name: Morning report
    stableKey: morning-report
    trigger: { type: schedule, cron: "0 7 * * 1-5", timeZone: Europe/Berlin }
    steps:
      - name: Send report
        action: { component: acme-api, key: get-account }
        connection: Acme Connection
  - name: Lookup
    stableKey: lookup
    trigger: { type: api }
    steps:
      - name: Find ticket
        action: { component: http, key: http-request }
        inputs:
          url: "https://{{ trigger.body.subdomain }}.zendesk.com/api/v2/tickets/{{ trigger.body.id }}.json"
          headers: { Accept: application/json, X-Customer: "{{ customer.externalId }}" }
`;
