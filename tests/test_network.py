import numpy as np
import pytest
import torch

from model.recognition.network import STRIDE, WINDOW, SymbolFCN, cell_center, output_size
from model.recognition.raster import DIRECTIONS


def _net(in_channels: int = 1):
    torch.manual_seed(0)
    net = SymbolFCN(12, widths=(8, 12, 16), fc=24, in_channels=in_channels).eval()
    # Non-trivial batch-norm statistics, so the check covers them too.
    for m in net.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            m.running_mean.uniform_(-0.2, 0.2)
            m.running_var.uniform_(0.5, 2.0)
    return net


def test_window_gives_one_cell():
    out = _net()(torch.rand(2, 1, WINDOW, WINDOW))
    assert out.shape == (2, 12, 1, 1)


def test_canvas_output_grid():
    out = _net()(torch.rand(1, 1, 100, 203))
    assert out.shape[2:] == (output_size(100), output_size(203)) == (7, 20)
    for n in range(45, 80):
        assert _net()(torch.rand(1, 1, n, 45)).shape[2] == output_size(n)


@pytest.mark.parametrize("channels", [1, 1 + DIRECTIONS])
def test_sliding_window_equivalence(channels):
    """Each cell of the canvas output equals the network run on the 45×45 crop under it,
    for every input channel (ink and direction planes)."""
    net = _net(channels)
    canvas = (torch.rand(1, channels, 93, 141) > 0.8).float()
    with torch.no_grad():
        full = net(canvas)[0]
        h, w = full.shape[1:]
        for i in range(h):
            for j in range(w):
                crop = canvas[:, :, STRIDE * i:STRIDE * i + WINDOW, STRIDE * j:STRIDE * j + WINDOW]
                torch.testing.assert_close(net(crop)[0, :, 0, 0], full[:, i, j], atol=1e-4, rtol=1e-4)


@pytest.mark.parametrize("channels", [1, 1 + DIRECTIONS])
def test_receptive_field_is_exactly_the_window(channels):
    net = _net(channels)
    x = torch.rand(1, channels, WINDOW + 2, WINDOW + 2, requires_grad=True)
    net(x)[0, :, 0, 0].sum().backward()
    for c in range(channels):
        ys, xs = np.nonzero(x.grad[0, c].abs().numpy() > 0)
        assert (ys.min(), ys.max(), xs.min(), xs.max()) == (0, WINDOW - 1, 0, WINDOW - 1)


def test_cell_center():
    assert cell_center(0) == (WINDOW - 1) / 2 and cell_center(3) - cell_center(2) == STRIDE
