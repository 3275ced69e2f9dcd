#!/usr/bin/env python3
"""Writes a torchvision ResNet as TorchScript for the benchmarks: resnet18 for the attribution
benchmark (bench/attribution.ts, with Debian's python3-torch and python3-torchvision) and resnet50
for the ImageNet-scale benchmark (bench/imagenet-scale.ts through scripts/device-bench, with the
GPU machine's python3):

  bench/models/<arch>.ts.pt   torchvision <arch>(weights=None), random weights (seed 0), eval
                              mode, torch.jit.trace; input (3,224,224), 1000 classes

The archive carries a fass model card (extra file fass.json) with the input shape and ImageNet's
mean and std, which fass applies inside the model adapter, as for any ImageNet model.

Traced: earlier fass followed only submodules' `forward` calls, and the scripted forward
(`return self._forward_impl(x)`, a method call on the module itself) hid the layers from it. Layer
capture now inlines every call (native/module_calls.cpp), so a scripted ResNet works as well; the
benchmark files stay traced so that their figures compare across sessions.

Deterministic: the same file (weights) on every run. Usage: make-resnet.py resnet18|resnet50 [OUT]
"""
import json
import os
import sys

import torch
import torchvision

ARCHS = ('resnet18', 'resnet50')
if len(sys.argv) < 2 or sys.argv[1] not in ARCHS:
    sys.exit(f'usage: make-resnet.py {"|".join(ARCHS)} [OUT]')
arch = sys.argv[1]
root = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..')
out = sys.argv[2] if len(sys.argv) > 2 else os.path.join(root, 'bench', 'models', f'{arch}.ts.pt')

torch.manual_seed(0)
model = getattr(torchvision.models, arch)(weights=None).eval()
for p in model.parameters():
    p.requires_grad_(False)
traced = torch.jit.trace(model, torch.rand(1, 3, 224, 224))

# The traced module must compute what the eager one does, at another batch size too.
x = torch.rand(3, 3, 224, 224)
with torch.no_grad():
    err = (traced(x) - model(x)).abs().max().item()
if err > 1e-3:  # float32 sums over a ResNet's depth; logits are O(1)
    sys.exit(f'make-resnet.py: traced and eager {arch} disagree by {err}')

card = {
    'format': 'fass-model-card/1',
    'architecture': {
        'name': arch,
        'layers': f'torchvision {torchvision.__version__} {arch}(weights=None), random weights, seed 0, traced',
        'parameters': sum(p.numel() for p in model.parameters()),
    },
    'input_shape': [3, 224, 224],
    'mean': [0.485, 0.456, 0.406],
    'std': [0.229, 0.224, 0.225],
}
os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
tmp = out + '.partial'
traced.save(tmp, _extra_files={'fass.json': json.dumps(card)})
os.replace(tmp, out)
print(f'wrote {out} (torch {torch.__version__}, torchvision {torchvision.__version__})')
