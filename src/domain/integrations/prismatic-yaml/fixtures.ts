/**
 * Hand-written Prismatic definitions (definitionVersion 7) as the designer exports them, used by the unit
 * tests here and by the API and engine tests: one using only components tenantflow has, one that does not.
 */

/** A webhook flow calling the http component with a reference, a template and a config variable, in a loop. */
export const PRISMATIC_HTTP_YAML = `definitionVersion: 7
name: Prismatic ticket relay
description: Sends each ticket of a webhook to the partner API.
category: Support
documentation: ""
labels: []
endpointType: flow_specific
defaultInstanceProfile: Default Instance Profile
requiredConfigVars:
  - key: Partner URL
    stableKey: partner-url
    dataType: string
    defaultValue: ""
    orgOnly: false
    meta: { visibleToCustomerDeployer: true, visibleToOrgDeployer: true }
  - key: Partner API
    stableKey: partner-api
    dataType: connection
    connection:
      component: { key: http, version: LATEST, isPublic: true }
      key: api-key-header
    inputs:
      headerName: { type: value, value: "" }
      apiKey: { type: value, value: "" }
configPages:
  - name: Configuration
    tagline: ""
    elements:
      - { type: configVar, value: Partner URL }
      - { type: htmlElement, value: "<h2>Partner</h2>" }
      - { type: configVar, value: Partner API }
flows:
  - name: Relay tickets
    stableKey: relay-tickets
    description: Called by the vendor's backend.
    isSynchronous: true
    endpointSecurityType: customer_optional
    steps:
      - name: Integration Trigger
        stableKey: relay-trigger
        isTrigger: true
        action:
          component: { key: webhook-triggers, version: LATEST, isPublic: true }
          key: webhook
        inputs: {}
      - name: Each ticket
        stableKey: each-ticket
        action:
          component: { key: loop, version: LATEST, isPublic: true }
          key: loopOverItems
        inputs:
          items: { type: reference, value: integrationTrigger.results.body.data.tickets }
        steps:
          - name: Send ticket
            stableKey: send-ticket
            action:
              component: { key: http, version: LATEST, isPublic: true }
              key: http-request
            inputs:
              connection: { type: configVar, value: Partner API }
              method: { type: value, value: POST }
              url: { type: template, value: "{{#Partner URL}}/tickets/{{$eachTicket.currentItem.id}}" }
              headers:
                type: complex
                value:
                  - { name: Content-Type, type: value, value: application/json }
                  - { name: X-Customer, type: reference, value: integrationTrigger.results.queryParameters.customer }
              body: { type: template, value: '{"subject": "{{$eachTicket.currentItem.subject}}"}' }
`;

/** Steps of components tenantflow does not have (slack, and an unknown connection component). */
export const PRISMATIC_UNKNOWN_COMPONENTS_YAML = `definitionVersion: 7
name: Prismatic notifier
requiredConfigVars:
  - key: Slack
    stableKey: slack-connection
    dataType: connection
    connection:
      component: { key: slack, version: 12, isPublic: true }
      key: oauth2
flows:
  - name: Notify
    stableKey: notify
    isSynchronous: false
    steps:
      - name: Integration Trigger
        isTrigger: true
        action:
          component: { key: webhook-triggers, version: LATEST, isPublic: true }
          key: webhook
        inputs: {}
      - name: Fetch
        action:
          component: { key: http, version: LATEST, isPublic: true }
          key: http-request
        inputs:
          method: { type: value, value: GET }
          url: { type: reference, value: integrationTrigger.results.body.data.url }
      - name: Post message
        action:
          component: { key: slack, version: 12, isPublic: true }
          key: postMessage
        inputs:
          connection: { type: configVar, value: Slack }
          message: { type: reference, value: fetch.results.body }
      - name: Archive
        action:
          component: { key: dropbox, version: LATEST, isPublic: true }
          key: uploadFile
        inputs:
          path: { type: value, value: /archive }
`;
