"""Errors that reach the user as one line and exit code 2."""


class UserError(Exception):
    """Bad input or an unmet precondition: one line saying what is wrong and how to fix it."""

    exit_code = 2


class LabError(Exception):
    """Something the lab itself did wrong while coming up or going down (exit code 1)."""

    exit_code = 1
