#!/usr/bin/python3
"""Small versions of torchvision's model families, and their Grad-CAM maps computed in eager
PyTorch, for the layer-capture tests (run with Debian's python3-torch and python3-torchvision).

For each family (torchvision's own classes, small widths and depths, random weights, eval mode):

  test/fixtures/zoo/<family>.script.pt   torch.jit.script
  test/fixtures/zoo/<family>.trace.pt    torch.jit.trace (not for vit: torch.jit.trace refuses it)
  test/fixtures/zoo/<family>.onnx        torch.onnx.export, dynamic batch
  test/fixtures/zoo/input<S>.bin         float32 (2,3,S,S) inputs in [0,1] (S = 32 or 64)
  test/fixtures/zoo/registers.script.pt  a ViT-like toy with 4 register tokens: (N, 20, 8) tokens
                                         on 32 px, 16 of them a 4 x 4 grid (auto must refuse to guess)
  test/fixtures/zoo/segmenter.script.pt  a toy whose output is (N, 2, H, W), not (N, classes)
  test/fixtures/zoo/zoo.json             per family: input size, logits, targets (argmax), the
                                         default layer pytorch-grad-cam documents for the family
                                         and an explicit one, and each layer's Grad-CAM map

Grad-CAM as pytorch-grad-cam computes it: a forward hook keeps the layer's output (the last call
when the module runs more than once), the gradient of the target logit is taken with respect to
that tensor, both go through the family's reshape (ViT: drop the class token, tokens to (N,D,g,g);
Swin: channels-last (N,h,w,C) to (N,C,h,w)), w_k = mean over (h,w) of the gradient, and the map
is sum_k w_k A_k without ReLU and without upsampling, (N,1,h,w).

The inputs are the model's own: the models take pixels in [0,1] and normalise nothing, so fass
runs them with mean 0 and std 1. Deterministic (seed 0). Never run by the product.

`make-zoo.py --full DIR` writes the full-size models for `npm run bench zoo` instead, each as
DIR/<arch>.script.pt and DIR/<arch>.trace.pt (vit_b_16 scripted only): torchvision's resnet18,
densenet121, mobilenet_v3_small, efficientnet_b0, convnext_tiny, vit_b_16 and swin_t with random
weights (made to carry signal as below), 1000 classes, 224 px.
"""
import json
import os
import sys

import torch
import torch.nn as nn
import torchvision.models as M
from torchvision.models import efficientnet, mobilenetv3
from torchvision.models.convnext import CNBlockConfig
from torchvision.models.resnet import BasicBlock

out = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'test', 'fixtures', 'zoo')
CLASSES = 10


def resnet():
    # torchvision's ResNet and BasicBlock at an eighth of the width, one block per stage.
    m = M.ResNet(BasicBlock, [1, 1, 1, 1], num_classes=CLASSES)
    m.inplanes = 8
    m.conv1 = nn.Conv2d(3, 8, 7, 2, 3, bias=False)
    m.bn1 = nn.BatchNorm2d(8)
    m.layer1 = m._make_layer(BasicBlock, 8, 1)
    m.layer2 = m._make_layer(BasicBlock, 16, 1, stride=2)
    m.layer3 = m._make_layer(BasicBlock, 32, 1, stride=2)
    m.layer4 = m._make_layer(BasicBlock, 64, 1, stride=2)
    m.fc = nn.Linear(64, CLASSES)
    return m


def mobilenet():
    setting, last = mobilenetv3._mobilenet_v3_conf('mobilenet_v3_small', width_mult=0.25)
    return M.MobileNetV3(setting, last, num_classes=CLASSES)


def efficientnet_():
    setting, last = efficientnet._efficientnet_conf('efficientnet_b0', width_mult=0.25, depth_mult=0.25)
    return M.EfficientNet(setting, 0.2, num_classes=CLASSES, last_channel=last)


FAMILIES = {
    # name: (constructor, input size, default layer as pytorch-grad-cam documents it, explicit layer)
    'resnet': (resnet, 64, 'layer4.0', 'layer3.0.conv2'),
    'densenet': (lambda: M.DenseNet(growth_rate=8, block_config=(2, 2), num_init_features=16, bn_size=2,
                                    num_classes=CLASSES), 64, 'features', 'features.denseblock2.denselayer1.conv1'),
    'mobilenet_v3': (mobilenet, 64, 'features.12', 'features.4.block.0'),
    'efficientnet': (efficientnet_, 64, 'features.8', 'features.4.0.block.1'),
    'convnext': (lambda: M.ConvNeXt([CNBlockConfig(16, 32, 1), CNBlockConfig(32, 64, 1), CNBlockConfig(64, None, 1)],
                                    num_classes=CLASSES), 64, 'features.5.0', 'features.3.0.block.0'),
    'vit': (lambda: M.VisionTransformer(image_size=32, patch_size=8, num_layers=2, num_heads=2, hidden_dim=32,
                                        mlp_dim=64, num_classes=CLASSES), 32, 'encoder.layers.encoder_layer_1.ln_1',
            'encoder.layers.encoder_layer_0.ln_2'),
    'swin': (lambda: M.SwinTransformer(patch_size=[4, 4], embed_dim=16, depths=[1, 1], num_heads=[2, 2],
                                       window_size=[2, 2], num_classes=CLASSES), 32, 'features.3.0.norm1', 'features.1.0'),
}


class Registers(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = nn.Conv2d(3, 8, 8, 8)
        self.registers = nn.Parameter(torch.randn(1, 4, 8))
        self.norm = nn.LayerNorm(8)
        self.head = nn.Linear(8, CLASSES)

    def forward(self, x):
        t = self.embed(x).flatten(2).transpose(1, 2)
        t = self.norm(torch.cat([self.registers.expand(x.size(0), -1, -1), t], 1))
        return self.head(t.mean(1))


class Segmenter(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 2, 3, padding=1)

    def forward(self, x):
        return self.conv(x)


FULL = ('resnet18', 'densenet121', 'mobilenet_v3_small', 'efficientnet_b0', 'convnext_tiny', 'vit_b_16', 'swin_t')


def build_full(arch):
    """The full-size model as saved by --full (the same weights: seeded), in eager PyTorch."""
    torch.manual_seed(0)
    return liven(getattr(M, arch)(weights=None), 224, batch=2)


def full(folder):
    os.makedirs(folder, exist_ok=True)
    x = torch.rand(1, 3, 224, 224)
    for arch in FULL:
        model = build_full(arch)
        for how in ('script', 'trace'):
            if how == 'trace' and arch == 'vit_b_16':
                continue
            path = os.path.join(folder, f'{arch}.{how}.pt')
            saved = torch.jit.script(model) if how == 'script' else torch.jit.trace(model, x, check_trace=False)
            saved.save(path + '.partial')
            os.replace(path + '.partial', path)
            print('wrote', path, flush=True)


def liven(model, size, batch=8):
    """Random weights that carry signal to the logits: torchvision zeroes ViT's head and starts
    ConvNeXt's layer scales at 1e-6, and batch norm's initial statistics leave deep nets' outputs
    near zero. Linear layers get PyTorch's default init, layer scales 1, and batch norm the
    statistics of random inputs (a few passes in train mode, then eval)."""
    for m in model.modules():
        if isinstance(m, nn.Linear):
            m.reset_parameters()
        if isinstance(m, nn.modules.batchnorm._BatchNorm):
            m.momentum = None  # cumulative average over the calibration passes
    for name, p in model.named_parameters():
        if name.endswith('layer_scale'):
            nn.init.ones_(p)
    model.train()
    with torch.no_grad():
        for _ in range(4):
            model(torch.rand(batch, 3, size, size))
    return model.eval()


def to_grid(t, input_size):
    """pytorch-grad-cam's reshape transforms: tokens (ViT) and channels-last grids (Swin) to NCHW."""
    if t.dim() == 3:
        g = int(t.size(1) ** 0.5)
        return t[:, t.size(1) - g * g:, :].reshape(t.size(0), g, g, t.size(2)).permute(0, 3, 1, 2)
    if t.size(1) == t.size(2) and t.size(3) != t.size(2):  # (N, h, w, C): Swin's layout
        return t.permute(0, 3, 1, 2)
    return t


def gradcam(model, x, targets, layer):
    module = dict(model.named_modules())[layer]
    kept = {}
    handle = module.register_forward_hook(lambda m, i, o: kept.__setitem__('a', o))
    logits = model(x)
    handle.remove()
    score = logits.gather(1, targets.view(-1, 1)).sum()
    grad = torch.autograd.grad(score, kept['a'])[0]
    a, g = to_grid(kept['a'].detach(), x.size(2)), to_grid(grad, x.size(2))
    return (g.mean((2, 3), keepdim=True) * a).sum(1, keepdim=True)


def main():
    os.makedirs(out, exist_ok=True)
    torch.manual_seed(0)
    inputs = {s: torch.rand(2, 3, s, s) for s in (32, 64)}
    for s, x in inputs.items():
        x.numpy().astype('float32').tofile(os.path.join(out, f'input{s}.bin'))
    refs = {}
    for name, (make, size, default, explicit) in FAMILIES.items():
        torch.manual_seed(1)
        model = liven(make(), size)
        x = inputs[size]
        with torch.no_grad():
            logits = model(x)
        targets = logits.argmax(1)
        torch.jit.script(model).save(os.path.join(out, f'{name}.script.pt'))
        if name != 'vit':
            torch.jit.trace(model, x, check_trace=False).save(os.path.join(out, f'{name}.trace.pt'))
        torch.onnx.export(model, x, os.path.join(out, f'{name}.onnx'), input_names=['input'], output_names=['logits'],
                          dynamic_axes={'input': {0: 'n'}, 'logits': {0: 'n'}}, opset_version=14)
        refs[name] = {
            'size': size, 'logits': logits.flatten().tolist(), 'targets': targets.tolist(),
            'layers': {layer: {'role': role, 'cam': gradcam(model, x, targets, layer).flatten().tolist(),
                               'shape': list(gradcam(model, x, targets, layer).shape)}
                       for role, layer in (('default', default), ('explicit', explicit))},
        }
        print(name, {l: v['shape'] for l, v in refs[name]['layers'].items()})
    for name, toy in (('registers', Registers()), ('segmenter', Segmenter())):
        torch.jit.script(toy.eval()).save(os.path.join(out, f'{name}.script.pt'))
    with open(os.path.join(out, 'zoo.json'), 'w') as f:
        json.dump(refs, f)


if __name__ == '__main__':
    if len(sys.argv) == 3 and sys.argv[1] == '--full':
        full(sys.argv[2])
    else:
        main()
