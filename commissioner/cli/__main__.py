"""``python -m commissioner.cli``: the same as the ``commissioner`` command."""

from commissioner.cli import main

raise SystemExit(main())
