"""User-facing errors: one line that names the problem and the fix; the CLI exits 2 on them.

Anything raised as :class:`UserError` is the user's input being wrong (unknown name, malformed
option, missing data, bad sample file), never a bug: the CLI prints the message alone, no traceback.
"""


class UserError(Exception):
    """Bad input from the user. The message is one line and says how to fix it."""


class UnknownNameError(UserError, KeyError):
    """A task, objective, metric or suite name that is not registered."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class DataNotFoundError(UserError):
    """A data file is missing and cannot be downloaded here."""


class ChecksumError(UserError):
    """A data file exists but its checksum does not match the published one."""
