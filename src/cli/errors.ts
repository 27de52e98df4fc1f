/** A refusal the user can act on: printed as one line, exit code 1. */
export class CliError extends Error {}
/** Wrong command line: printed with the usage, exit code 2. */
export class UsageError extends CliError {}
