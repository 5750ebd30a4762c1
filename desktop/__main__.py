import sys

from desktop.cli import main

if __name__ == "__main__":  # also the guard a worker process (multiprocessing, spawn) needs
    if getattr(sys, "frozen", False):
        import multiprocessing

        multiprocessing.freeze_support()  # the bundled app started as a worker process runs the worker
    sys.exit(main())
