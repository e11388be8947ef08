"""`python -m lstmkit`: the command line."""

import sys

from lstmkit.cli import main

if __name__ == "__main__":  # importing the module (doctest, pkgutil walks) runs nothing
    sys.exit(main())
