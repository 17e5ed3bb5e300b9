import { basicToken, redactText, redactValue, secretForms, secretMatcher, type SecretMatcher } from './redact';

/**
 * The secrets one run has used so far (PASSWORD inputs of opened credentials, tokens obtained at run time,
 * the credential material put on requests), with the forms to redact. Lives on the run's context and is
 * never stored.
 */
export class KnownSecrets {
  private readonly forms = new Set<string>();
  /** Rebuilt only when a form was added since the last redaction: a run redacts far more often than it learns. */
  private matcher: SecretMatcher | null | undefined = null;

  /** Adds a secret value and its encodings; values too short to redact safely are ignored (redact.ts). */
  add(secret: string | null | undefined): void {
    if (!secret) return;
    for (const form of secretForms(secret)) {
      if (this.forms.has(form)) continue;
      this.forms.add(form);
      this.matcher = undefined;
    }
  }

  /** Adds the Basic token of user name and password, which contains neither as text. */
  addBasic(username: string | undefined, password: string | undefined): void {
    if (username !== undefined && password) this.add(basicToken(username, password));
  }

  text(text: string): string {
    return redactText(text, this.current());
  }

  value<T>(value: T): T {
    return redactValue(value, this.current());
  }

  private current(): SecretMatcher | null {
    if (this.matcher === undefined) this.matcher = secretMatcher(this.forms);
    return this.matcher;
  }
}
