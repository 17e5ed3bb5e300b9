/** A start refused for a reason the operator fixes with a setting; the message is one line naming it. */
export class EmbeddedPostgresError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EmbeddedPostgresError';
  }
}
