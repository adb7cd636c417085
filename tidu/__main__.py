"""``python -m tidu``: the command line."""

from tidu.engine.cli.main import run

run()
