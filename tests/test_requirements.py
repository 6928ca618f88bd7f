"""The requirements by purpose: the app's alone, the bundle's and the tests' on top, every
package pinned in constraints.txt (so each file installs the versions CI tested)."""
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FILES = ("requirements.txt", "requirements-bundle.txt", "requirements-dev.txt")


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()  # PEP 503: PySide6_Essentials is pyside6-essentials


def _names(path: Path) -> set[str]:
    out = set()
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line.startswith(("-r", "-c")):
            continue
        if line:
            out.add(_canonical(re.split(r"[<>=!~\[; ]", line, maxsplit=1)[0]))
    return out


def _pins() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "constraints.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if "==" in line:
            name, version = line.split("==", 1)
            pins[_canonical(name.strip())] = version.strip()
    return pins


@pytest.mark.parametrize("name", FILES)
def test_every_requirement_is_pinned_in_constraints(name):
    text = (ROOT / name).read_text()
    assert "-c constraints.txt" in text or "-r requirements.txt" in text
    missing = _names(ROOT / name) - set(_pins())
    assert not missing, f"{name}: not in constraints.txt: {sorted(missing)}"


def test_the_app_alone_needs_no_bundler_and_no_test_tools():
    app = _names(ROOT / "requirements.txt")
    assert {"torch", "pyside6-essentials", "numpy"} <= app
    assert not app & {"pyinstaller", "pytest", "pytest-qt", "hypothesis"}


def test_the_bundle_and_the_tests_add_to_the_app():
    for name, extra in (("requirements-bundle.txt", "pyinstaller"), ("requirements-dev.txt", "pytest")):
        text = (ROOT / name).read_text()
        assert "-r requirements.txt" in text and extra in _names(ROOT / name), name
