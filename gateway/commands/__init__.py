"""Sub-commands of `cmaa`, one module per area."""


class CommandError(Exception):
    """A failure the user can fix: printed as one line, exit code 2, no traceback."""
