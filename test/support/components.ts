/** A private component definition with one API-key connection and one action, for tests that import components. */
export const apiKeyComponent = (key: string, label: string) => `key: ${key}
label: ${label}
connections:
  - key: api-key
    label: API key
    authKind: api_key_header
    inputs:
      - { key: apiKey, label: API key, type: password, required: true }
    baseUrl: "https://billing.example"
    apply:
      headers:
        X-Api-Key: "{{ connection.apiKey }}"
actions:
  - key: get-invoice
    label: Get invoice
    request: { method: GET, url: /invoices/1 }
`;
