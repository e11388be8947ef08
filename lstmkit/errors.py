"""lstmkit's own exception types."""


class NoForwardPassError(ValueError, RuntimeError):
    """`backward` was called before any `forward`: there is nothing to backpropagate.

    A ValueError (the call is invalid as made) and a RuntimeError (it depends on call order),
    so either `except` clause catches it.
    """
