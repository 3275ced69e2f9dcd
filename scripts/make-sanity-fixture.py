#!/usr/bin/python3
"""test/fixtures/sanity/reset.json: each layer of the reference CNN re-initialised by PyTorch's own
reset_parameters after torch.manual_seed(seed), as Quantus's ModelParameterRandomisation does it;
fass's resetLayer(name, seed) must give the same weights. Per parameter: the first 8 values, the
sum and the sum of squares (float64). Also the top-down order Quantus walks (modules with
reset_parameters, named_modules reversed). Run with Debian's python3-torch:
  /usr/bin/python3 scripts/make-sanity-fixture.py"""
import json
import os
import torch
import torch.nn as nn

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
scripted = torch.jit.load(os.path.join(root, 'test/fixtures/reference/fashion_cnn_good.ts.pt'))


class FashionCNN(nn.Module):
    """The reference CNN's architecture (shared/reference/README.md), for reset_parameters."""
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 16, 3, padding=1)
        self.relu1 = nn.ReLU()
        self.pool1 = nn.MaxPool2d(2)
        self.conv2 = nn.Conv2d(16, 32, 3, padding=1)
        self.relu2 = nn.ReLU()
        self.pool2 = nn.MaxPool2d(2)
        self.fc1 = nn.Linear(1568, 64)
        self.relu3 = nn.ReLU()
        self.fc2 = nn.Linear(64, 10)


model = FashionCNN()
assert [n for n, _ in model.named_modules()] == [n for n, _ in scripted.named_modules()]
order = [n for n, m in model.named_modules() if hasattr(m, 'reset_parameters')][::-1]
seeds = {'fc2': 123, 'fc1': 5, 'conv2': 7, 'conv1': 2**31 + 11}
layers = {}
for name in order:
    module = dict(model.named_modules())[name]
    torch.manual_seed(seeds[name])
    module.reset_parameters()
    layers[name] = {'seed': seeds[name], 'params': {
        p: {'first': t.detach().flatten()[:8].tolist(), 'sum': t.detach().double().sum().item(), 'sumsq': (t.detach().double() ** 2).sum().item()}
        for p, t in module.named_parameters()}}
out = os.path.join(root, 'test/fixtures/sanity/reset.json')
with open(out, 'w') as f:
    json.dump({'top_down': order, 'layers': layers}, f, indent=1)
print('wrote', out)
