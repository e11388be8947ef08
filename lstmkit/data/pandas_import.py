"""pandas, optional: imported when a function needs it, never when lstmkit is imported."""


def pandas():
    """The pandas module; an ImportError saying how to install it when it is absent."""
    try:
        import pandas as pd
    except ImportError:
        raise ImportError("this needs pandas: pip install pandas (or 'lstmkit[pandas]')") from None
    return pd


def pandas_if_installed():
    """The pandas module, or None when it is not installed."""
    try:
        return pandas()
    except ImportError:
        return None
