"""lstmkit's own exception types.

The command line reports an exception of any class lstmkit defines as an error the user can
act on (one line, exit status 1; see `lstmkit.cli.failures`), so such a class is for
conditions of the input or of the call, never for a bug.
"""


class NoForwardPassError(ValueError, RuntimeError):
    """`backward` was called before any `forward`: there is nothing to backpropagate.

    A ValueError (the call is invalid as made) and a RuntimeError (it depends on call order),
    so either `except` clause catches it.
    """
