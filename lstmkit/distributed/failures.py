"""The error every rank raises when one rank of a distributed run failed."""


class RankFailedError(RuntimeError):
    """A rank of a distributed training run raised an error; every rank raises this one
    together (the failed rank with its own error as the cause), so none waits forever for a
    rank that will not answer. The message names the rank, where it failed and its error."""
