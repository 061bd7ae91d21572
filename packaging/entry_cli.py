"""Entry script of the frozen ``commissioner`` (console) executable: the CLI face."""

import sys

from commissioner.cli import main

if __name__ == "__main__":
    sys.exit(main())
