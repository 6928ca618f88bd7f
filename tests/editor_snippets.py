"""The editor snippets of docs/editors.md, run in the real editors as a new user would: Vim,
Neovim and Emacs in an xterm, in Xvfb with openbox; the picker is called by the snippet's key, a dev
expression is written into it with xdotool, Enter; the file the editor saves must hold the
text typed around the formula and, at the cursor, the LaTeX the picker printed.

    python tests/editor_snippets.py [--editors vim,nvim,emacs] [--shots DIR]

The snippets are read from docs/editors.md itself (its ```vim, ```lua and ```elisp blocks), so the page
cannot drift from what was tried.  Needs Xvfb, openbox, xdotool, xterm and the editors
(Debian: vim, neovim, emacs-nox); not part of CI.  Screenshots of the picker over the editor and of the
editor after the formula came in go to --shots (ImageMagick's `import`).  Prints one JSON line
per editor; exits 1 if any editor's file is not what it should be.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.gui_latency import TraceReader, start_x, write_expression  # noqa: E402
from tests.test_picker_x11 import dev_expression  # noqa: E402

DOC = ROOT / "docs" / "editors.md"
TIMEOUT_S = 120.0


def snippet(language: str) -> str:
    blocks = re.findall(rf"```{language}\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
    if not blocks:
        raise SystemExit(f"editor_snippets: no ```{language} block in {DOC}")
    return blocks[0]


def xdo(env, *args):
    return subprocess.run(["xdotool", *map(str, args)], env=env, check=True, capture_output=True, text=True,
                          timeout=60).stdout.strip()


def shot(env, shots: Path | None, name: str):
    if shots is not None and shutil.which("import"):
        subprocess.run(["import", "-window", "root", str(shots / name)], env=env, timeout=30)


# Each editor: its config file, the command in the xterm, the keys that type "before ", call
# the picker, and the keys after the picker that type " after" and save and quit.
EDITORS = {
    "vim": {"language": "vim", "config": "vimrc",
            "command": lambda cfg, doc: ["vim", "-N", "-u", str(cfg), "-i", "NONE", str(doc)],
            "before": [("type", "ibefore "), ("key", "ctrl+g"), ("type", "m")],
            "after": [("type", " after"), ("key", "Escape"), ("type", ":wq"), ("key", "Return")]},
    "nvim": {"language": "lua", "config": "init.lua",
             "command": lambda cfg, doc: ["nvim", "-u", str(cfg), "-i", "NONE", str(doc)],
             "before": [("type", "ibefore "), ("key", "ctrl+g"), ("type", "m")],
             "after": [("type", " after"), ("key", "Escape"), ("type", ":wq"), ("key", "Return")]},
    "emacs": {"language": "elisp", "config": "init.el",
              "command": lambda cfg, doc: ["emacs", "-nw", "-Q", "-l", str(cfg), str(doc)],
              "before": [("type", "before "), ("key", "ctrl+c"), ("type", "m")],
              "after": [("type", " after"), ("key", "ctrl+x"), ("key", "ctrl+s"), ("key", "ctrl+x"),
                        ("key", "ctrl+c")]},
}


def send(env, steps):
    for kind, value in steps:
        if kind == "type":
            xdo(env, "type", "--delay", "40", "--", value)
        else:
            xdo(env, "key", value)
        time.sleep(0.3)


def try_editor(name: str, env0: dict, shots: Path | None, strokes) -> dict:
    spec = EDITORS[name]
    tmp = Path(tempfile.mkdtemp(prefix=f"mathink-{name}-"))
    bin_dir = tmp / "bin"
    bin_dir.mkdir()
    wrapper = bin_dir / "mathink"     # the README's `mathink` for a source checkout
    wrapper.write_text(f'#!/bin/sh\nexec {sys.executable} {ROOT / "main.py"} "$@"\n')
    wrapper.chmod(wrapper.stat().st_mode | stat.S_IXUSR)
    config = tmp / spec["config"]
    config.write_text(snippet(spec["language"]))
    doc = tmp / "notes.tex"
    trace = tmp / "trace.jsonl"
    out = tmp / "picker-stderr.txt"
    env = dict(env0, PATH=f"{bin_dir}:{env0['PATH']}", MATHINK_TRACE=str(trace),
               MATHINK_DATA_DIR=str(tmp / "data"))
    term = subprocess.Popen(["xterm", "-geometry", "100x30+0+0", "-title", name, "-e",
                             *spec["command"](config, doc)], env=env, stdout=subprocess.DEVNULL,
                            stderr=open(out, "w"))
    try:
        window = xdo(env, "search", "--sync", "--onlyvisible", "--name", f"^{name}$")
        xdo(env, "windowactivate", "--sync", window)
        time.sleep(1.5)                    # the editor draws its first screen
        xdo(env, "mousemove", 700, 420)    # where the picker should open
        send(env, spec["before"])
        reader = TraceReader(trace)

        class Alive:                       # TraceReader waits while "the app" runs: the xterm here
            def poll(self):
                return term.poll()
        if reader.wait_for(lambda e: e["event"] == "window", TIMEOUT_S, Alive()) is None:
            raise RuntimeError(f"{name}: the picker never opened")
        time.sleep(0.6)
        canvas = [e for e in reader.poll() if e["event"] == "window"][-1]["canvas"]
        write_expression(strokes, canvas, env)
        last = [e for e in reader.poll() if e["event"] == "pen_up"][-1]["version"]
        result = reader.wait_for(lambda e: e["event"] == "result" and e["version"] == last, TIMEOUT_S, Alive())
        shot(env, shots, f"{name}-1-picker.png")
        xdo(env, "key", "Return")
        time.sleep(2.0)
        shot(env, shots, f"{name}-2-inserted.png")
        send(env, spec["after"])
        term.wait(30)
        text = doc.read_text(encoding="utf-8") if doc.exists() else ""
        latex = result["latex"] if result else None
        ok = latex is not None and text.rstrip("\n") == f"before {latex} after"
        return {"editor": name, "ok": ok, "latex": latex, "file": text}
    finally:
        if term.poll() is None:
            term.kill()
            term.wait()
        shutil.rmtree(tmp, ignore_errors=True)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--editors", default="vim,nvim,emacs")
    ap.add_argument("--shots", type=Path, help="folder for the screenshots")
    args = ap.parse_args(argv)
    names = [n for n in args.editors.split(",") if n]
    needed = ["Xvfb", "xdotool", "xterm", "openbox"] + [{"vim": "vim", "nvim": "nvim", "emacs": "emacs"}[n] for n in names]
    missing = [t for t in needed if shutil.which(t) is None]
    if missing:
        print(f"editor_snippets: not installed: {', '.join(missing)}", file=sys.stderr)
        return 2
    if args.shots:
        args.shots.mkdir(parents=True, exist_ok=True)
    _, strokes = dev_expression()
    xvfb, pipe, display = start_x()
    env = dict(os.environ, DISPLAY=display)
    env.pop("QT_QPA_PLATFORM", None)
    wm = subprocess.Popen(["openbox"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(1.0)
    failed = False
    try:
        for name in names:
            row = try_editor(name, env, args.shots, strokes)
            print(json.dumps(row, ensure_ascii=False), flush=True)
            failed |= not row["ok"]
    finally:
        wm.kill()
        wm.wait()
        xvfb.terminate()
        xvfb.wait()
        os.close(pipe)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
