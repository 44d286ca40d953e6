"""`python -m scanner` is `ecrscan`."""

from scanner.cli import main

raise SystemExit(main())
