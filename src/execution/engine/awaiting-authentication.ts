/**
 * Rule 2 chose to pause: the run stops before the step (nothing of it is recorded) and waits, status
 * AUTHENTICATION_NEEDED, until this user authenticates on this connection. Not a failure of the run.
 */
export class AwaitingAuthentication extends Error {
  constructor(
    readonly userId: string,
    readonly connectionRef: string,
    readonly stepName: string,
    reason: string,
  ) {
    super(reason);
  }
}
