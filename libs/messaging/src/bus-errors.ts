/** A payload did not match its contract's schema; `issues` says which field and why. */
export class ContractViolationError extends Error {
  constructor(
    public readonly subject: string,
    public readonly issues: string,
  ) {
    super(`payload on ${subject} violates its contract: ${issues}`);
    this.name = 'ContractViolationError';
  }
}

/** The responder answered with an error, or nobody answered in time. */
export class BusRequestError extends Error {
  constructor(
    public readonly subject: string,
    message: string,
    public readonly code: 'timeout' | 'no_responders' | 'remote_error' | 'bad_response',
  ) {
    super(`request ${subject} failed (${code}): ${message}`);
    this.name = 'BusRequestError';
  }
}
