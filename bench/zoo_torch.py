#!/usr/bin/python3
"""The PyTorch side of `npm run bench zoo`: one full-size torchvision model (scripts/make-zoo.py's
build_full: the same weights as the TorchScript file fass runs), eager, on the images fass read
(float32 .bin, (B,3,224,224), normalised here with ImageNet's mean and std as fass does inside
its model adapter), explaining the same targets; IG on the first IG_N images, as fass:

  saliency   one forward and backward of the batch (torch.autograd.grad of the target logits)
  gradcam    forward and backward with a forward hook at fass's layer (token and channels-last
             activations reshaped as pytorch-grad-cam does)
  ig         Captum's IntegratedGradients: Gauss-Legendre nodes, steps x batch rows in calls of
             at most `internal` rows, gradients summed with the weights

Each the median seconds of `reps` timed calls after a warm-up; threads as given. Prints JSON:
{"saliency": s, "gradcam": s, "ig": s, "max_rss_bytes": n}.
Usage: zoo_torch.py ARCH IMAGES.bin TARGETS(comma-separated) LAYER IG_N STEPS INTERNAL REPS THREADS
"""
import importlib.util
import json
import os
import resource
import statistics
import sys
import time

import numpy as np
import torch

arch, images, targets, layer, ig_n, steps, internal, reps, threads = sys.argv[1:10]
ig_n, steps, internal, reps = int(ig_n), int(steps), int(internal), int(reps)
torch.set_num_threads(int(threads))
spec = importlib.util.spec_from_file_location('make_zoo', os.path.join(os.path.dirname(__file__), '..', 'scripts', 'make-zoo.py'))
zoo = importlib.util.module_from_spec(spec)
spec.loader.exec_module(zoo)
model = zoo.build_full(arch)
for p in model.parameters():
    p.requires_grad_(False)
t = torch.tensor([int(v) for v in targets.split(',')])
raw = torch.from_numpy(np.fromfile(images, dtype=np.float32).reshape(len(t), 3, 224, 224))
mean = torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1)
std = torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1)


def f(x):
    return model((x - mean) / std)


def saliency():
    x = raw.clone().requires_grad_(True)
    return torch.autograd.grad(f(x).gather(1, t.view(-1, 1)).sum(), x)[0].abs()


def gradcam():
    module = dict(model.named_modules())[layer]
    kept = {}
    h = module.register_forward_hook(lambda m, i, o: kept.__setitem__('a', o))
    out = f(raw.clone().requires_grad_(True))
    h.remove()
    g = torch.autograd.grad(out.gather(1, t.view(-1, 1)).sum(), kept['a'])[0]
    a, g = zoo.to_grid(kept['a'].detach(), 224), zoo.to_grid(g, 224)
    return torch.relu((g.mean((2, 3), keepdim=True) * a).sum(1, keepdim=True))


def ig():
    nodes, weights = np.polynomial.legendre.leggauss(steps)
    alphas = [float(v) for v in (nodes + 1) / 2]
    ws = [float(v) for v in weights / 2]
    n, x0 = ig_n, raw[:ig_n]
    points = torch.cat([a * x0 for a in alphas])  # baseline 0, Captum's layout: step-major
    tt = t[:ig_n].repeat(steps)
    grads = []
    for b in range(0, len(points), internal):
        x = points[b:b + internal].clone().requires_grad_(True)
        grads.append(torch.autograd.grad(f(x).gather(1, tt[b:b + internal].view(-1, 1)).sum(), x)[0])
    g = torch.cat(grads).view(steps, n, 3, 224, 224)
    return x0 * sum(w * g[i] for i, w in enumerate(ws))


def timed(fn):
    fn()
    out = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return statistics.median(out)


result = {name: timed(fn) for name, fn in (('saliency', saliency), ('gradcam', gradcam), ('ig', ig))}
result['max_rss_bytes'] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print(json.dumps(result))
