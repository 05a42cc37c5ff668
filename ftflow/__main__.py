"""``python -m ftflow`` is the same as the ``ftflow`` console script."""

from ftflow.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
