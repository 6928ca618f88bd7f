"""MathInk's Qt program: a folder per part of the window; the start, platform checks, selftest."""
