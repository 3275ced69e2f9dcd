#!/usr/bin/python3
"""Generates the small model fixtures the tests use (run with Debian's python3-torch):

  test/fixtures/models/nested.ts.pt       a scripted CNN with a ResNet-like nesting: layer4.1.conv2
  test/fixtures/models/nested_traced.ts.pt the same model traced
  test/fixtures/models/nested_input.bin   float32 (4,3,16,16) inputs
  test/fixtures/models/nested_gradcam.bin float32 (4,1,4,4) Grad-CAM of layer4.1.conv2 (no ReLU),
                                          computed in eager mode with a forward hook
  test/fixtures/models/linear.ts.pt       f(x) = W flatten(x) + b, input (1,8,8), 3 classes
  test/fixtures/models/linear_w.bin       float32 W (3,64); linear_b.bin float32 b (3)
  test/fixtures/models/pools.ts.pt        max pools the engine runs on its 2 x 2 kernel (torch.max_pool2d,
                                          nn.MaxPool2d) beside one it leaves to LibTorch (3 x 3, stride 1)
  test/fixtures/models/pools_input.bin    float32 (6,1,8,8) inputs full of ties; pools_target.bin int32 (6)
  test/fixtures/models/pools_grad.bin     float32 (6,1,8,8) d logit[target] / d input (PyTorch's kernel)
  test/fixtures/models/pool_nan*.          a 2 x 2 max pool alone (its windows are the logits) on (8,2,9,19)
                                          inputs with NaN, +-inf and ties: PyTorch's logits, targets and
                                          gradients (FIXTURES=pool_nan makes only these)

Deterministic (seed 0). Never run by the product; rerun only to change the fixtures.
"""
import os
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)
out = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'test', 'fixtures', 'models')


class PoolOnly(nn.Module):
    """The pooled values as logits: each class is one window's maximum."""
    def forward(self, x):
        return torch.flatten(F.max_pool2d(x, 2), 1)


def pool_nan_fixtures():
    # NaNs, infinities and ties in every position of the window, rows of 9 windows (two full
    # SSE2 groups of four and one left over) and of 4, odd sizes (the last row and column drop)
    g = torch.Generator().manual_seed(1)
    x = (torch.randint(-2, 3, (8, 2, 9, 19), generator=g).float() * 0.5)
    specials = torch.tensor([float('nan'), float('inf'), float('-inf')])
    pick = torch.randint(0, 12, x.shape, generator=g)
    x = torch.where(pick < 3, specials[pick.clamp(max=2)], x).requires_grad_(True)
    model = PoolOnly().eval()
    logits = model(x)
    # the target: a window per image, spread over the grid
    target = torch.arange(8) * 7 % logits.shape[1]
    grad, = torch.autograd.grad(logits.gather(1, target[:, None]).sum(), x)
    torch.jit.script(model).save(os.path.join(out, 'pool_nan.ts.pt'))
    x.detach().numpy().tofile(os.path.join(out, 'pool_nan_input.bin'))
    logits.detach().numpy().tofile(os.path.join(out, 'pool_nan_logits.bin'))
    target.int().numpy().tofile(os.path.join(out, 'pool_nan_target.bin'))
    grad.numpy().tofile(os.path.join(out, 'pool_nan_grad.bin'))


if os.environ.get('FIXTURES') == 'pool_nan':
    pool_nan_fixtures()
    raise SystemExit(0)


class Block(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.conv1 = nn.Conv2d(c, c, 3, padding=1)
        self.conv2 = nn.Conv2d(c, c, 3, padding=1)
        self.relu = nn.ReLU()

    def forward(self, x):
        # relu is called twice, as in torchvision's BasicBlock
        return self.relu(self.conv2(self.relu(self.conv1(x))) + x)


class Nested(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(3, 8, 3, padding=1)
        self.layer4 = nn.Sequential(Block(8), Block(8))
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(8, 5)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.stem(x)), 4)
        x = self.layer4(x)
        return self.fc(torch.flatten(self.pool(x), 1))


model = Nested().eval()
x = torch.rand(4, 3, 16, 16)
acts = {}
hook = model.layer4[1].conv2.register_forward_hook(lambda m, i, o: acts.__setitem__('a', o))
logits = model(x)
t = logits.argmax(1)
g, = torch.autograd.grad(logits.gather(1, t.view(-1, 1)).sum(), acts['a'])
cam = (g.mean((2, 3), keepdim=True) * acts['a']).sum(1, keepdim=True).detach()
hook.remove()  # scripting refuses modules with Python hooks
torch.jit.script(model).save(os.path.join(out, 'nested.ts.pt'))
torch.jit.trace(model, x).save(os.path.join(out, 'nested_traced.ts.pt'))
x.numpy().tofile(os.path.join(out, 'nested_input.bin'))
cam.numpy().tofile(os.path.join(out, 'nested_gradcam.bin'))


class Linear(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(64, 3)

    def forward(self, x):
        return self.fc(torch.flatten(x, 1))


lin = Linear().eval()
with torch.no_grad():
    lin.fc.weight.copy_(torch.randn(3, 64) * 0.5)
    lin.fc.bias.copy_(torch.randn(3))
torch.jit.script(lin).save(os.path.join(out, 'linear.ts.pt'))
lin.fc.weight.detach().numpy().tofile(os.path.join(out, 'linear_w.bin'))
lin.fc.bias.detach().numpy().tofile(os.path.join(out, 'linear_b.bin'))


class Pools(nn.Module):
    def __init__(self):
        super().__init__()
        self.pool = nn.MaxPool2d(2)
        self.fc = nn.Linear(16 + 16 + 4, 3)

    def forward(self, x):
        a = torch.max_pool2d(x, [2, 2])
        b = torch.max_pool2d(F.max_pool2d(x, 3, 1, 1), [2, 2])
        c = self.pool(torch.relu(a))
        return self.fc(torch.cat([a.flatten(1), b.flatten(1), c.flatten(1)], 1))


torch.manual_seed(1)
pools = Pools().eval()
# ties everywhere: values from a few levels, signs included
xp = (torch.randint(-2, 3, (6, 1, 8, 8)).float() * 0.5).requires_grad_(True)
logits = pools(xp)
target = logits.argmax(1)
grad, = torch.autograd.grad(logits.gather(1, target[:, None]).sum(), xp)
torch.jit.script(pools).save(os.path.join(out, 'pools.ts.pt'))
xp.detach().numpy().tofile(os.path.join(out, 'pools_input.bin'))
target.int().numpy().tofile(os.path.join(out, 'pools_target.bin'))
grad.numpy().tofile(os.path.join(out, 'pools_grad.bin'))

pool_nan_fixtures()
print('wrote fixtures to', os.path.normpath(out))
