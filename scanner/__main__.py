"""`python -m scanner` is `ecrscan`."""

from scanner.cli import main

if __name__ == "__main__":  # importing the module (tools, multiprocessing) must not run the CLI
    raise SystemExit(main())
