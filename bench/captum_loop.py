#!/usr/bin/python3
"""The Captum-style loop of `npm run bench cells42` (issue 16): the work of the 42-cell FASS job
written as a researcher would with PyTorch, Captum's formulas, scikit-image and SciPy, one image
batch at a time: for each model, predict the clean images; for each of saliency (|grad|),
Integrated Gradients (Captum's Gauss-Legendre nodes, 50 steps, black baseline, one call of steps x
images rows) and Grad-CAM (conv2, ReLU, bilinear to the input size), the clean maps; for each
photometric perturbation (brightness, contrast, gamma as in SPEC.md section 3), the perturbed
images, their predictions, the twins whose prediction holds attributed, and per pair SSIM
(skimage, Gaussian window), Spearman (scipy) and top-10% Jaccard, reduced to cell means and the
FASS composite. Captum is not installable here; its IG is replicated from its published nodes,
as the tests do. Prints JSON: {"seconds": s, "cells": n, "pairs": n}.
Usage: captum_loop.py IMAGES.bin (float32, N x 1 x 28 x 28) THREADS MODEL.pt [MODEL.pt ...]
"""
import json
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from scipy.stats import spearmanr
from skimage.metrics import structural_similarity

images, threads, *models = sys.argv[1:]
torch.set_num_threads(int(threads))
x_all = torch.from_numpy(np.fromfile(images, dtype=np.float32).reshape(-1, 1, 28, 28))


class FashionCNN(nn.Module):
    """The reference CNN (shared/reference/README.md), eager so that Grad-CAM can hook conv2."""
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 16, 3, padding=1)
        self.conv2 = nn.Conv2d(16, 32, 3, padding=1)
        self.fc1 = nn.Linear(1568, 64)
        self.fc2 = nn.Linear(64, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        self.act = F.relu(self.conv2(x))
        x = F.max_pool2d(self.act, 2)
        return self.fc2(F.relu(self.fc1(x.flatten(1))))


def load(path):
    m = FashionCNN()
    m.load_state_dict(torch.jit.load(path).state_dict())
    return m.eval()


PERTURBATIONS = [('brightness', 0.8), ('brightness', 1.2), ('brightness', 1.5), ('contrast', 0.7), ('contrast', 1.3), ('gamma', 0.8), ('gamma', 1.25)]


def perturb(x, kind, s):
    if kind == 'brightness':
        return (x * s).clamp(0, 1)
    if kind == 'contrast':
        mean = x.mean(dim=(1, 2, 3), keepdim=True)
        return (mean + (x - mean) * s).clamp(0, 1)
    return x.clamp(0, 1) ** s


def saliency(m, x, t):
    x = x.clone().requires_grad_(True)
    return torch.autograd.grad(m(x).gather(1, t[:, None]).sum(), x)[0].abs()


NODES, WEIGHTS = np.polynomial.legendre.leggauss(50)
ALPHAS = torch.tensor((NODES + 1) / 2, dtype=torch.float32)
W = torch.tensor(WEIGHTS / 2, dtype=torch.float32)


def integrated_gradients(m, x, t):
    n = x.shape[0]
    path = (ALPHAS.view(-1, 1, 1, 1, 1) * x.unsqueeze(0)).reshape(-1, *x.shape[1:]).requires_grad_(True)
    g = torch.autograd.grad(m(path).gather(1, t.repeat(len(ALPHAS))[:, None]).sum(), path)[0]
    return x * (W.view(-1, 1, 1, 1, 1) * g.view(len(ALPHAS), n, *x.shape[1:])).sum(0)


def gradcam(m, x, t):
    out = m(x.clone().requires_grad_(True))  # parameters take no gradient: the input makes the graph
    g = torch.autograd.grad(out.gather(1, t[:, None]).sum(), m.act)[0]
    cam = F.relu((g.mean((2, 3), keepdim=True) * m.act).sum(1, keepdim=True))
    return F.interpolate(cam, size=x.shape[-2:], mode='bilinear', align_corners=False).detach()


METHODS = {'saliency': saliency, 'integrated_gradients': integrated_gradients, 'gradcam': gradcam}


def scores(a, b):
    a, b = a.sum(1).numpy().astype(np.float64), b.sum(1).numpy().astype(np.float64)
    out = []
    for p, q in zip(a, b):
        def scaled(v):
            lo, hi = v.min(), v.max()
            return (v - lo) / (hi - lo) if hi > lo else np.zeros_like(v)
        ssim = structural_similarity(scaled(p), scaled(q), data_range=1.0, gaussian_weights=True, sigma=1.5, use_sample_covariance=False)
        rho = spearmanr(p.ravel(), q.ravel()).correlation
        k = max(1, int(0.1 * p.size))
        tp, tq = set(np.argsort(-np.abs(p.ravel()))[:k]), set(np.argsort(-np.abs(q.ravel()))[:k])
        jac = len(tp & tq) / len(tp | tq)
        out.append((ssim + (rho + 1) / 2 + jac) / 3)
    return out


t0 = time.perf_counter()
cells, pairs = {}, 0
for path in models:
    m = load(path)
    for p in m.parameters():
        p.requires_grad_(False)
    for start in range(0, x_all.shape[0], 64):
        x = x_all[start:start + 64]
        with torch.no_grad():
            t = m(x).argmax(1)
        clean = {name: fn(m, x, t) for name, fn in METHODS.items()}
        for kind, s in PERTURBATIONS:
            x2 = perturb(x, kind, s)
            with torch.no_grad():
                keep = (m(x2).argmax(1) == t).nonzero().flatten()
            for name, fn in METHODS.items():
                pairs += x.shape[0]
                if len(keep) == 0:
                    continue
                twin = fn(m, x2[keep], t[keep])
                cells.setdefault((path, name, kind, s), []).extend(scores(clean[name][keep], twin))
seconds = time.perf_counter() - t0
print(json.dumps({'seconds': seconds, 'cells': len(cells), 'pairs': pairs}))
