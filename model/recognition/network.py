"""The fully-convolutional symbol network.

Geometry (all convolutions unpadded, so a window never sees past its own 45×45 pixels):

    conv6 C→c1   45→40                               maxpool2  40→20
    conv3 c1→c2  20→18      conv3 c2→c2  18→16     maxpool2  16→8
    conv3 c2→c3   8→6       conv3 c3→c3   6→4      maxpool2   4→2
    conv2 c3→f    2→1   ("fully connected" layer as a convolution over the whole map)
    conv1 f→f, conv1 f→C+1                         (the classifier, 1×1 convolutions)

On a 45×45 input the output is 1×1×(C+1).  On an H×W image the output is
((H-45)//8+1) × ((W-45)//8+1): output cell (i, j) holds the scores of the window
whose top-left pixel is (8·j, 8·i), i.e. the window centred on pixel
(8·j + 22, 8·i + 22).  WINDOW = 45, STRIDE = 8, no padding; the receptive
field is exactly the window.  Scores are logits; softmax over channel 1.  The input has C
channels: 1 (ink) or 1 + raster.DIRECTIONS (ink and its direction planes).
"""
from __future__ import annotations

import torch
from torch import nn

WINDOW = 45
STRIDE = 8


def _block(cin: int, cout: int, k: int) -> list[nn.Module]:
    return [nn.Conv2d(cin, cout, k, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True)]


class SymbolFCN(nn.Module):
    def __init__(self, n_classes: int, widths: tuple[int, int, int] = (32, 64, 128), fc: int = 256,
                 dropout: float = 0.3, in_channels: int = 1):
        super().__init__()
        c1, c2, c3 = widths
        self.features = nn.Sequential(
            *_block(in_channels, c1, 6), nn.MaxPool2d(2),
            *_block(c1, c2, 3), *_block(c2, c2, 3), nn.MaxPool2d(2),
            *_block(c2, c3, 3), *_block(c3, c3, 3), nn.MaxPool2d(2),
        )
        self.classifier = nn.Sequential(
            *_block(c3, fc, 2), nn.Dropout2d(dropout),
            *_block(fc, fc, 1), nn.Dropout2d(dropout),
            nn.Conv2d(fc, n_classes, 1),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.features(x))


def output_size(n: int) -> int:
    """Output cells along an input side of n pixels."""
    return 0 if n < WINDOW else (n - WINDOW) // STRIDE + 1


def cell_center(i: int | float) -> float:
    """Pixel coordinate of the centre of the window at output index i."""
    return STRIDE * i + (WINDOW - 1) / 2
