#!/usr/bin/python3
"""test/fixtures/sanity/reset.json: each layer of the reference CNN re-initialised by PyTorch's own
reset_parameters after torch.manual_seed(seed), as Quantus's ModelParameterRandomisation does it;
fass's resetLayer(name, seed) must give the same weights. Per parameter: the first 8 values, the
sum and the sum of squares (float64). Also the top-down order Quantus walks (modules with
reset_parameters, named_modules reversed), and Quantus's measure along that cascade for
saliency on the 16 reference images: after each cumulative reset, the Spearman correlation
(scipy) of |saliency| of the randomised model with |saliency| of the trained one, explaining the
trained model's prediction. Run with Debian's python3-torch and python3-scipy:
  /usr/bin/python3 scripts/make-sanity-fixture.py"""
import json
import os
import torch
import torch.nn as nn
import torch.nn.functional as F
import numpy as np
from scipy.stats import spearmanr

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

    def forward(self, x):
        x = self.pool1(self.relu1(self.conv1(x)))
        x = self.pool2(self.relu2(self.conv2(x)))
        return self.fc2(self.relu3(self.fc1(x.flatten(1))))


def saliency(m, x, t):
    x = x.clone().requires_grad_(True)
    return torch.autograd.grad(m(x).gather(1, t[:, None]).sum(), x)[0].abs()


images = torch.from_numpy(np.fromfile(os.path.join(root, 'test/fixtures/data/images16.bin'), dtype=np.float32).reshape(16, 1, 28, 28))
trained = FashionCNN()
trained.load_state_dict(scripted.state_dict())
trained.eval()
targets = trained(images).argmax(1)
clean = saliency(trained, images, targets)

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
# Quantus's cascade on the trained weights: cumulative resets, top-down, a rho per image and step.
cascade = FashionCNN()
cascade.load_state_dict(scripted.state_dict())
cascade.eval()
rhos = []
for name in order:
    torch.manual_seed(seeds[name])
    dict(cascade.named_modules())[name].reset_parameters()
    r = saliency(cascade, images, targets)
    rhos.append([float(spearmanr(a.flatten().numpy(), b.flatten().numpy()).correlation) for a, b in zip(clean, r)])
out = os.path.join(root, 'test/fixtures/sanity/reset.json')
with open(out, 'w') as f:
    json.dump({'top_down': order, 'layers': layers, 'saliency_spearman_abs': rhos}, f, indent=1)
print('wrote', out)
