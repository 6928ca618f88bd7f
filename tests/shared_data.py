"""Where the CROHME data lies beside the repository, and a skip for when it does not."""
from pathlib import Path

import pytest

CROHME = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "crohme"
DEV = CROHME / "dev"

requires_dev = pytest.mark.skipif(
    not DEV.is_dir(), reason=f"CROHME dev data not found at {DEV} (CI always has it)")


def dev_files(n=None):
    files = sorted(DEV.rglob("*.inkml"))
    return files if n is None else files[:n]
