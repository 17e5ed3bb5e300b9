import { basicToken, redactText, redactValue, secretForms } from './redact';

/**
 * The secrets one run has used so far (PASSWORD inputs of opened credentials, tokens obtained at run time,
 * the credential material put on requests), with the forms to redact. Lives on the run's context and is
 * never stored.
 */
export class KnownSecrets {
  private readonly forms = new Set<string>();

  /** Adds a secret value and its encodings; values too short to redact safely are ignored (redact.ts). */
  add(secret: string | null | undefined): void {
    if (!secret) return;
    for (const form of secretForms(secret)) this.forms.add(form);
  }

  /** Adds the Basic token of user name and password, which contains neither as text. */
  addBasic(username: string | undefined, password: string | undefined): void {
    if (username !== undefined && password) this.add(basicToken(username, password));
  }

  text(text: string): string {
    return this.forms.size === 0 ? text : redactText(text, [...this.forms]);
  }

  value<T>(value: T): T {
    return redactValue(value, [...this.forms]);
  }
}
