"""``python -m gridsim.cli``: the ``gridsim`` command."""

from gridsim.cli import main

if __name__ == "__main__":
    main()
