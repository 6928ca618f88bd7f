"""main.py names the system library that Qt's xcb plugin lacks, in one line, instead of Qt's abort."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from app import platform_check

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("env, expected", [
    ({}, True),
    ({"QT_QPA_PLATFORM": "xcb"}, True),
    ({"QT_QPA_PLATFORM": "offscreen"}, False),
    ({"WAYLAND_DISPLAY": "wayland-0"}, False),
])
def test_only_checked_when_qt_will_use_xcb(env, expected):
    assert platform_check.wants_xcb(env) is (expected and sys.platform.startswith("linux"))


def test_loader_error_becomes_one_line_with_the_package():
    line = platform_check.missing_library_message(
        "/x/plugins/platforms/libqxcb.so: libxcb-cursor.so.0: cannot open shared object file: "
        "No such file or directory")
    assert "\n" not in line
    assert "libxcb-cursor.so.0 is missing" in line and "apt-get install libxcb-cursor0" in line


@pytest.mark.skipif(shutil.which("cc") is None or not sys.platform.startswith("linux"),
                    reason="needs a C compiler on Linux to build a plugin with a missing library")
def test_a_plugin_whose_library_is_gone_is_named(tmp_path, monkeypatch, capsys):
    # A stand-in for libqxcb.so linked against a library that is then removed, as on a
    # machine without libxcb-cursor0: the real loader reports it, main.py prints it.
    src = tmp_path / "empty.c"
    src.write_text("int mathink_test_symbol(void) { return 1; }\n")
    subprocess.run(["cc", "-shared", "-fPIC", "-o", tmp_path / "libgoneaway.so.3", src,
                    "-Wl,-soname,libgoneaway.so.3"], check=True)
    (tmp_path / "libgoneaway.so").symlink_to("libgoneaway.so.3")
    plugin = tmp_path / "libqxcb.so"
    subprocess.run(["cc", "-shared", "-fPIC", "-o", plugin, src, f"-L{tmp_path}", "-Wl,--no-as-needed",
                    "-lgoneaway"], check=True)
    (tmp_path / "libgoneaway.so.3").unlink()
    monkeypatch.setattr(platform_check, "xcb_plugin", lambda: plugin)
    monkeypatch.setenv("QT_QPA_PLATFORM", "xcb")
    monkeypatch.setenv("DISPLAY", ":99")
    from main import main
    assert main([]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [err[0]] and "libgoneaway.so.3 is missing" in err[0]



@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="X11 only")
def test_no_display_is_one_clear_line_and_exit_1():
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    done = subprocess.run([sys.executable, str(Path(__file__).resolve().parents[1] / "main.py")], env=env,
                          capture_output=True, text=True, timeout=120)
    lines = done.stderr.strip().splitlines()
    assert done.returncode == 1 and len(lines) == 1, done.stderr
    assert "no graphical display" in lines[0] or "needs a graphical display" in lines[0]
