"""``python -m audit`` is the same command as ``audit``."""

from audit.cli import main

if __name__ == "__main__":
    main(prog_name="audit")
