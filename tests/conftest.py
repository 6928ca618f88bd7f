"""Shared test setup.  Qt must see the platform before it is first imported, and the
app's fixtures import Qt lazily so that model-only test runs never load it."""
import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# The recognizer's torch threads: keep test runs light on a shared machine.
os.environ.setdefault("MATHINK_THREADS", "1")
