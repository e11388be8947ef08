"""The classes a saved file may name, so that loading never imports or runs anything else.

Every Module and estimator subclass registers itself when it is defined (through
`__init_subclass__`). A file names its class by key; `lookup` only finds classes already
defined in this process: lstmkit's own under their short name (`LSTM`), others under their
full `module.QualName`.
"""

_CLASSES: dict[str, type] = {}


def class_key(cls: type) -> str:
    if cls.__module__.split(".")[0] == "lstmkit":
        return cls.__qualname__
    return f"{cls.__module__}.{cls.__qualname__}"


def register_class(cls: type) -> type:
    key = class_key(cls)
    previous = _CLASSES.get(key)
    if previous is not None and previous.__module__ != cls.__module__ and "." not in key:
        raise RuntimeError(
            f"two lstmkit classes are both named {key!r} ({previous.__module__} and "
            f"{cls.__module__}): saved files could not tell them apart; rename one"
        )
    _CLASSES[key] = cls
    return cls


def lookup(key: str) -> type:
    """The class registered under `key` (a name read from a file); ValueError if none is."""
    if not isinstance(key, str):
        raise ValueError(f"a file must name a class with a string; got {key!r:.60}")
    try:
        return _CLASSES[key]
    except KeyError:
        raise ValueError(
            f"the file names class {key!r}, which is not defined here (import the module that "
            "defines it first; lstmkit never imports code named by a file)"
        ) from None
