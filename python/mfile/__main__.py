"""`python -m mfile ...` runs the mfile binary with the same arguments."""

import os
import sys

from ._find import find_mfile_bin


def main() -> None:
    binary = find_mfile_bin()
    if os.name == "nt":
        import subprocess

        sys.exit(subprocess.call([binary, *sys.argv[1:]]))
    os.execv(binary, [binary, *sys.argv[1:]])


if __name__ == "__main__":
    main()
