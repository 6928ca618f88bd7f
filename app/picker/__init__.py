"""`mathink pick`: a compact window that an editor calls, which answers on stdout and exits
(window.py: the window; output.py: what it prints; run.py: the command)."""
