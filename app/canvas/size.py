"""The canvas size in logical pixels; its own module so headless code (the
selftest) can fit ink to the canvas without importing widgets."""
CANVAS_WIDTH = 1000
CANVAS_HEIGHT = 500
