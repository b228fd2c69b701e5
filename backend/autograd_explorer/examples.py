"""The lecture's examples (CONTENT.md §1–§4, §6–§8, §12) as explorer programs, with what each teaches.

The `lecture-*` entries are written the way the lecture writes them (`import torch`, `def`,
classes, `print` with f-strings), so what a student sees in class is what they can edit here;
tests/trace/test_examples.py runs each and compares what it prints with CPython's.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from autograd_explorer.errors import NotFound


@dataclass(frozen=True)
class Example:
    """One menu entry of the explorer."""

    id: str
    section: str
    title: str
    source: str
    explanation: str
    inputs: dict[str, Any] = field(default_factory=dict)
    output: str | None = None
    expect_error: bool = False  # the point of the example is PyTorch's error


EXAMPLES: tuple[Example, ...] = (
    Example(
        id="polynomial",
        section="§1 A first graph",
        title="x³ − 3x at x = 1",
        source="x**3 - 3*x",
        inputs={"x": 1.0},
        explanation=(
            "Input x feeds a power node z₁ = x³ and a multiply node z₂ = 3x; the output f subtracts "
            "them (the lecture writes f = z₁ + (−3x)). Backward starts with ∂f/∂f = 1 and every other "
            "accumulator at 0. The power node's local gradient is 3x², the multiply node's is 3 (with "
            "the −1 from the subtraction: −3). x is used twice, so its accumulator receives both "
            "contributions: 3x² − 3 = 0 at x = 1. The algorithm is mechanical: one accumulator per "
            "node, each node visited once — O(n) time and memory."
        ),
    ),
    Example(
        id="lecture-first",
        section="§1 A first graph",
        title="The lecture's first program: def f(x), backward, print",
        source=(
            "import torch\n"
            "\n"
            "# Create input tensor with gradient tracking\n"
            "x = torch.tensor([1.0], requires_grad=True)\n"
            "\n"
            "# Define the function\n"
            "def f(x):\n"
            "    return x**3 - 3*x\n"
            "\n"
            "y = f(x)\n"
            "y.backward()\n"
            'print(f"At x = {x.item():.1f}")\n'
            'print(f"f\'(x) = {x.grad.item():.1f}")  # Should be 3(1)² - 3 = 0\n'
        ),
        explanation=(
            "The lecture's opening code block as it is written in the notes: the same graph as "
            "x³ − 3x, built by calling f(x) (the graph groups f's nodes in a box named by the call), "
            "then printed with f-strings. The console under the graph shows what Python prints: "
            "f'(1) = 3·1² − 3 = 0."
        ),
    ),
    Example(
        id="two-ways",
        section="§2 Two ways to get gradients",
        title="f.backward() and retain_grad()",
        source=(
            "x = torch.tensor(1.0, requires_grad=True)\n"
            "z1 = x ** 3\n"
            "z1.retain_grad()\n"
            "z2 = -3 * x\n"
            "f = z1 + z2\n"
            "f.backward()\n"
        ),
        explanation=(
            "The lecture's graph with an explicit add node. After f.backward(), x.grad holds "
            "∂f/∂x = 3x² − 3 = 0. Only leaves keep .grad by default; z1.retain_grad() keeps the "
            "intermediate's gradient too (∂f/∂z₁ = 1). Click a node to see .data, .grad_fn, .is_leaf "
            "and .requires_grad."
        ),
    ),
    Example(
        id="autograd-grad",
        section="§2 Two ways to get gradients",
        title="torch.autograd.grad leaves .grad alone",
        source=(
            "x = torch.tensor(2.0, requires_grad=True)\nf = x**3 - 3*x\n(dfdx,) = torch.autograd.grad(f, x)\n"
        ),
        output="f",
        explanation=(
            "torch.autograd.grad returns the gradient (3x² − 3 = 9 at x = 2) instead of storing it: "
            "x.grad stays None. The pass's result is listed under the pass, not under .grad."
        ),
    ),
    Example(
        id="gradient-hook",
        section="§2 Gradient hooks",
        title="register_hook sees a gradient on its way, and may change it",
        source=(
            "x = torch.tensor(2.0, requires_grad=True)\n"
            "y = x**2\n"
            "y.register_hook(print)\n"
            "z = 3 * y\n"
            "x.register_hook(lambda g: g.clamp(-5, 5))\n"
            "z.backward()\n"
        ),
        output="z",
        explanation=(
            "t.register_hook(fn) calls fn(grad) when t's gradient is computed, just before t's node runs. "
            "print returns None, so dz/dy = 3 goes on unchanged (the console shows it); the lambda returns "
            "a tensor, which replaces the gradient: the engine computed dz/dx = 3 · 2x = 12, the hook "
            "clipped it to 5, and x.grad is 5. Step 3 says so, and x's node shows both numbers."
        ),
    ),
    Example(
        id="module-hooks",
        section="§2 Gradient hooks",
        title="A module's hooks: a layer's activation and the gradients at its edges",
        source=(
            "import torch\n"
            "import torch.nn as nn\n"
            "torch.manual_seed(0)\n"
            "model = nn.Sequential(nn.Linear(2, 3), nn.Tanh(), nn.Linear(3, 1))\n"
            "acts = {}\n"
            "def keep(module, inputs, output):\n"
            "    acts['tanh'] = output.detach()\n"
            "model[1].register_forward_hook(keep)\n"
            "def show(module, grad_input, grad_output):\n"
            "    print('grad_output of model[2]:', grad_output[0])\n"
            "    print('grad_input of model[2]:', grad_input[0])\n"
            "model[2].register_full_backward_hook(show)\n"
            "x = torch.tensor([[1.0, -1.0]])\n"
            "loss = (model(x) ** 2).sum()\n"
            "loss.backward()\n"
            "print('tanh activation:', acts['tanh'])\n"
        ),
        output="loss",
        explanation=(
            "A forward hook, hook(module, inputs, output), runs after each call of its module: keep() "
            "saves the tanh layer's activation, as feature-visualisation tutorials do. A full backward "
            "hook, hook(module, grad_input, grad_output), runs in the backward pass once the gradients at "
            "the module's edges are known: show() prints them for the last Linear, model[2]. PyTorch "
            "implements it with identity nodes around the module's call (BackwardHookFunctionBackward, "
            "'hooks in model.2'): the step of the one at its input says the hook ran and what it was "
            "given. The console shows "
            "the same numbers."
        ),
    ),
    Example(
        id="second-derivative",
        section="§2 Higher derivatives",
        title="f″(x) = 6x through the gradient's own graph",
        source=(
            "x = torch.tensor(2.0, requires_grad=True)\n"
            "f = x**3 - 3*x\n"
            "(df,) = torch.autograd.grad(f, x, create_graph=True)\n"
            "df.backward()\n"
        ),
        output="df",
        explanation=(
            "With create_graph=True the backward pass itself is recorded as a graph: df = 3x² − 3 is "
            "a tensor with a grad_fn. Differentiating it again gives f″(x) = 6x = 12 at x = 2 in x.grad. "
            "The second pass's nodes are PyTorch's backward formulas, so most have no user-visible value."
        ),
    ),
    Example(
        id="vector-output",
        section="§2 Non-scalar outputs",
        title="Q = 3a³ − b² needs a gradient argument",
        source=(
            "a = torch.tensor([2., 3.], requires_grad=True)\n"
            "b = torch.tensor([6., 4.], requires_grad=True)\n"
            "Q = 3*a**3 - b**2\n"
            "Q.backward(gradient=torch.ones_like(Q))\n"
        ),
        explanation=(
            "Q is a vector, so backward needs the vector v in the vector–Jacobian product vᵀJ. With "
            "v = ones: a.grad = 9a² = [36, 81] and b.grad = −2b = [−12, −8]."
        ),
    ),
    Example(
        id="pitfall-detach",
        section="§3 Pitfalls",
        title="detach() breaks the graph",
        source=(
            "x = torch.tensor(2.0, requires_grad=True)\n"
            "y = x ** 2\n"
            "z = y.detach()\n"
            "z.requires_grad_()\n"
            "f = z * 3\n"
            "f.backward()\n"
        ),
        explanation=(
            "z = y.detach() is a new leaf that shares y's data but not its history: the path from f "
            "back to x is cut on line 3. f.backward() fills z.grad = 3, and x.grad stays None."
        ),
    ),
    Example(
        id="pitfall-inplace",
        section="§3 Pitfalls",
        title="In-place change of a saved tensor (fails)",
        source=(
            "x = torch.tensor(4.0, requires_grad=True)\n"
            "y = torch.sqrt(x)\n"
            "y.add_(1)\n"
            "z = 3 * y\n"
            "z.backward()\n"
        ),
        expect_error=True,
        explanation=(
            "sqrt saved its output y for the backward pass (d√x/dx = 1/(2√x)). y.add_(1) changes y in "
            "place and bumps its version counter, so z.backward() refuses to use the stale value: "
            "PyTorch's error names the version it expected. y += 1 is in-place too."
        ),
    ),
    Example(
        id="pitfall-inplace-fixed",
        section="§3 Pitfalls",
        title="The out-of-place version works",
        source=(
            "x = torch.tensor(4.0, requires_grad=True)\n"
            "y = torch.sqrt(x)\n"
            "y = y + 1\n"
            "z = 3 * y\n"
            "z.backward()\n"
        ),
        explanation="y = y + 1 makes a new tensor and leaves the saved one alone: x.grad = 3/(2√4) = 0.75.",
    ),
    Example(
        id="pitfall-nan",
        section="§3 Pitfalls",
        title="A NaN gradient behind torch.where, found by anomaly detection (fails)",
        source=(
            "x = torch.tensor([4.0, -1.0], requires_grad=True)\n"
            "with torch.autograd.detect_anomaly():\n"
            "    y = torch.where(x > 0, torch.sqrt(x), 0.0)\n"
            "    loss = y.sum()\n"
            "    loss.backward()\n"
        ),
        expect_error=True,
        explanation=(
            "The forward is fine: where picks 0 for the negative entry. But sqrt ran on both entries, "
            "and its backward formula 1/(2√x) is NaN at x = −1; where sends that entry a gradient of 0, "
            "and 0 × NaN is NaN, so x.grad would be [0.25, nan]. Anomaly detection stops the pass at "
            "the node that sent NaN on. The fix is the next example."
        ),
    ),
    Example(
        id="pitfall-nan-fixed",
        section="§3 Pitfalls",
        title="Keep the unsafe input out of sqrt, and the gradient is finite",
        source=(
            "x = torch.tensor([4.0, -1.0], requires_grad=True)\n"
            "safe = torch.where(x > 0, x, 1.0)\n"
            "y = torch.where(x > 0, torch.sqrt(safe), 0.0)\n"
            "loss = y.sum()\n"
            "loss.backward()\n"
        ),
        explanation=(
            "sqrt now sees 1.0 where x ≤ 0, so its local gradient is finite everywhere and the 0 that "
            "where sends stays 0: x.grad = [1/(2√4), 0] = [0.25, 0]."
        ),
    ),
    Example(
        id="pitfall-accumulation",
        section="§3 Pitfalls",
        title="Gradients accumulate across backward calls",
        source=(
            "x = torch.tensor(1.0, requires_grad=True)\nfor _ in range(3):\n    y = x * 2\n    y.backward()\n"
        ),
        explanation=(
            "Each backward adds its gradient to x.grad instead of replacing it: 2, then 4, then 6. "
            "Clear it between steps with x.grad = None or x.grad.zero_()."
        ),
    ),
    Example(
        id="pitfall-accumulation-fixed",
        section="§3 Pitfalls",
        title="Clearing the gradient each time",
        source=(
            "x = torch.tensor(1.0, requires_grad=True)\n"
            "for _ in range(3):\n"
            "    x.grad = None\n"
            "    y = x * 2\n"
            "    y.backward()\n"
        ),
        explanation="With x.grad = None before each backward, x.grad is 2 after every pass.",
    ),
    Example(
        id="pitfall-no-grad",
        section="§3 Pitfalls",
        title="torch.no_grad(): no graph at all",
        source=("x = torch.tensor(1.0, requires_grad=True)\nwith torch.no_grad():\n    y = x * 2\ny\n"),
        explanation=(
            "Inside torch.no_grad() PyTorch records nothing: y.requires_grad is False and y has no "
            "grad_fn, so there is no graph to draw. .detach() does the same for one tensor."
        ),
    ),
    Example(
        id="pitfall-update-no-grad",
        section="§3 Pitfalls",
        title="Updating a parameter outside torch.no_grad() (fails)",
        source=(
            "torch.manual_seed(42)\n"
            "X = torch.randn(100, 2)\n"
            "y = X @ torch.tensor([1.0, -0.5])\n"
            "alpha = 1.8 * 100 / torch.linalg.svdvals(X)[0] ** 2\n"
            "w = torch.zeros(2, requires_grad=True)\n"
            "for k in range(100):\n"
            "    loss = 0.5 * ((X @ w - y) ** 2).mean()\n"
            "    loss.backward()\n"
            "    w -= alpha * w.grad\n"
            "    w.grad.zero_()\n"
        ),
        expect_error=True,
        explanation=(
            "Lecture 5's gradient descent with the update written as plain code. The first backward pass "
            "runs whole (at w = 0 the gradient is −Xᵀy/n), then PyTorch refuses line 9: w is a leaf that "
            "requires grad, and changing it in place while autograd records would make the update part "
            "of the function being differentiated. Written inside a with torch.no_grad() block, the "
            "update is not recorded and the loop runs its 100 steps (the Regression page's autograd "
            "method)."
        ),
    ),
    Example(
        id="least-squares",
        section="§4 Least squares",
        title="f(w) = ½‖Xw − y‖² with Jacobians",
        source=(
            "X = torch.tensor([[1., 2.], [2., 0.5], [3., -1.], [-1., 1.], [0.5, 3.]])\n"
            "y = torch.tensor([1., 2., 0.5, -1., 3.])\n"
            "w = torch.tensor([0.5, -0.5], requires_grad=True)\n"
            "z1 = X @ w - y\n"
            "z2 = z1 @ z1\n"
            "f = 0.5 * z2\n"
            "f.backward()\n"
        ),
        explanation=(
            "Residual z₁ = Xw − y, square norm z₂ = ‖z₁‖² = z₁·z₁, f = ½z₂. Total derivatives multiply: "
            "∂f/∂z₂ = ½ (1×1), ∂z₂/∂z₁ = 2z₁ᵀ (1×5: the dot node sends z₁ᵀ through each of its two "
            "slots and they add up), ∂z₁/∂w = X (5×2). Their product z₁ᵀX is 1×2, a row; the gradient "
            "is its transpose Xᵀ(Xw − y), a column shaped like w. That is why the transpose appears."
        ),
    ),
    Example(
        id="one-layer",
        section="§7 A toy one-layer network",
        title="z = x @ w + b, loss = mean((z − y)²)",
        source=(
            "x = torch.tensor([[2., 3.]])\n"
            "y = torch.tensor([[3.]])\n"
            "w = torch.ones(2, 1, requires_grad=True)\n"
            "b = torch.ones(1, 1, requires_grad=True)\n"
            "z = x @ w + b\n"
            "loss = torch.mean((z - y) ** 2)\n"
            "loss.backward()\n"
        ),
        explanation=(
            "z = 2 + 3 + 1 = 6 and loss = (6 − 3)² = 9. By the chain rule ∂loss/∂z = 2(z − y) = 6, so "
            "w.grad = xᵀ·6 = [[12], [18]] and b.grad = 6 (b broadcasts over the batch). Only the "
            "leaves w and b get .grad; x is [B, N] = [1, 2] and w is [N, M] = [2, 1]."
        ),
    ),
    Example(
        id="lecture-simple-nn",
        section="§6 Neural networks",
        title="SimpleNN (nn.Module) trained for 20 steps",
        source=(
            "import torch\n"
            "\n"
            "torch.manual_seed(0)\n"
            "\n"
            "class SimpleNN(torch.nn.Module):\n"
            "    def __init__(self):\n"
            "        super().__init__()\n"
            "        self.fc1 = torch.nn.Linear(784, 32)\n"
            "        self.fc2 = torch.nn.Linear(32, 1)\n"
            "\n"
            "    def forward(self, x):\n"
            "        h = torch.relu(self.fc1(x))\n"
            "        return torch.sigmoid(self.fc2(h))\n"
            "\n"
            "criterion = torch.nn.BCELoss()\n"
            "\n"
            "def train_model(model, X_train, y_train, alpha=0.01, n_steps=1000):\n"
            "    for step in range(n_steps):\n"
            "        loss = criterion(model(X_train).squeeze(), y_train)\n"
            "        loss.backward()\n"
            "        with torch.no_grad():\n"
            "            for param in model.parameters():\n"
            "                param -= alpha * param.grad\n"
            "                param.grad.zero_()\n"
            "        if step % 5 == 0:\n"
            '            print(f"step {step:2d} | loss {loss.item():.4f}")\n'
            "    return loss\n"
            "\n"
            "# Random stand-ins for 16 flattened MNIST images and their odd/even labels\n"
            "X_train = torch.randn(16, 784)\n"
            "y_train = (torch.rand(16) > 0.5).float()\n"
            "model = SimpleNN()\n"
            "loss = train_model(model, X_train, y_train, n_steps=20)\n"
        ),
        explanation=(
            "The lecture's SimpleNN and its training loop, on random stand-ins for MNIST images: "
            "Linear(784, 32) → ReLU → Linear(32, 1) → sigmoid with BCELoss, each parameter updated "
            "under no_grad and its gradient zeroed. The graph shows each step's modules as boxes "
            "(model.fc1, model.fc2); open one to see the addmm and the transposed weight inside."
        ),
    ),
    Example(
        id="weight-tying",
        section="§6 Neural networks",
        title="Weight tying: one parameter used twice, its contributions added up",
        source=(
            "import torch\n"
            "import torch.nn as nn\n"
            "torch.manual_seed(0)\n"
            "\n"
            "class TinyLM(nn.Module):\n"
            "    def __init__(self, vocab=5, dim=3):\n"
            "        super().__init__()\n"
            "        self.emb = nn.Embedding(vocab, dim)\n"
            "        self.head = nn.Linear(dim, vocab, bias=False)\n"
            "        self.head.weight = self.emb.weight  # tied, as GPT-2 ties them\n"
            "\n"
            "    def forward(self, idx):\n"
            "        return self.head(torch.tanh(self.emb(idx)))\n"
            "\n"
            "model = TinyLM()\n"
            "tokens, targets = torch.tensor([1, 2]), torch.tensor([2, 3])\n"
            "loss = nn.functional.cross_entropy(model(tokens), targets)\n"
            "loss.backward()\n"
            "print(len(list(model.parameters())), 'parameter tensor, shape', tuple(model.emb.weight.shape))\n"
            "print(model.emb.weight.grad)\n"
        ),
        output="loss",
        explanation=(
            "A language model's output layer may reuse its embedding matrix (GPT-2 does): "
            "self.head.weight = self.emb.weight makes them one parameter. It is used twice, to look "
            "up the tokens' vectors and to score every word, so in the backward pass two contributions "
            "arrive at model.emb.weight: the output layer's, through its transpose, and the lookup's, "
            "only in the rows of the tokens read (1 and 2). The accumulator adds them before "
            "AccumulateGrad stores their sum in .grad, the matrix the console prints."
        ),
    ),
    Example(
        id="nanogpt",
        section="§6 Neural networks",
        title="nanoGPT's model.py, tiny: a transformer's whole backward pass",
        source=(
            "# Karpathy's nanoGPT model.py as written (long lines broken; generate() and the\n"
            "# optimizer helpers left out), at a tiny size: 2 blocks, 2 heads, 8-wide embeddings.\n"
            "import math\n"
            "from dataclasses import dataclass\n"
            "import torch\n"
            "import torch.nn as nn\n"
            "from torch.nn import functional as F\n"
            "\n"
            "class LayerNorm(nn.Module):\n"
            '    """ LayerNorm but with an optional bias. PyTorch doesn\'t support simply bias=False """\n'
            "    def __init__(self, ndim, bias):\n"
            "        super().__init__()\n"
            "        self.weight = nn.Parameter(torch.ones(ndim))\n"
            "        self.bias = nn.Parameter(torch.zeros(ndim)) if bias else None\n"
            "    def forward(self, input):\n"
            "        return F.layer_norm(input, self.weight.shape, self.weight, self.bias, 1e-5)\n"
            "\n"
            "class CausalSelfAttention(nn.Module):\n"
            "    def __init__(self, config):\n"
            "        super().__init__()\n"
            "        assert config.n_embd % config.n_head == 0\n"
            "        self.c_attn = nn.Linear(config.n_embd, 3 * config.n_embd, bias=config.bias)\n"
            "        self.c_proj = nn.Linear(config.n_embd, config.n_embd, bias=config.bias)\n"
            "        self.attn_dropout = nn.Dropout(config.dropout)\n"
            "        self.resid_dropout = nn.Dropout(config.dropout)\n"
            "        self.n_head = config.n_head\n"
            "        self.n_embd = config.n_embd\n"
            "        self.dropout = config.dropout\n"
            "        self.flash = hasattr(torch.nn.functional, 'scaled_dot_product_attention')\n"
            "        if not self.flash:\n"
            '            self.register_buffer("bias", torch.tril(\n'
            "                torch.ones(config.block_size, config.block_size)).view(\n"
            "                1, 1, config.block_size, config.block_size))\n"
            "    def forward(self, x):\n"
            "        B, T, C = x.size()\n"
            "        q, k, v  = self.c_attn(x).split(self.n_embd, dim=2)\n"
            "        k = k.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)\n"
            "        q = q.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)\n"
            "        v = v.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)\n"
            "        if self.flash:\n"
            "            y = torch.nn.functional.scaled_dot_product_attention(\n"
            "                q, k, v, attn_mask=None,\n"
            "                dropout_p=self.dropout if self.training else 0, is_causal=True)\n"
            "        else:\n"
            "            att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(k.size(-1)))\n"
            "            att = att.masked_fill(self.bias[:,:,:T,:T] == 0, float('-inf'))\n"
            "            att = F.softmax(att, dim=-1)\n"
            "            att = self.attn_dropout(att)\n"
            "            y = att @ v\n"
            "        y = y.transpose(1, 2).contiguous().view(B, T, C)\n"
            "        y = self.resid_dropout(self.c_proj(y))\n"
            "        return y\n"
            "\n"
            "class MLP(nn.Module):\n"
            "    def __init__(self, config):\n"
            "        super().__init__()\n"
            "        self.c_fc    = nn.Linear(config.n_embd, 4 * config.n_embd, bias=config.bias)\n"
            "        self.gelu    = nn.GELU()\n"
            "        self.c_proj  = nn.Linear(4 * config.n_embd, config.n_embd, bias=config.bias)\n"
            "        self.dropout = nn.Dropout(config.dropout)\n"
            "    def forward(self, x):\n"
            "        x = self.c_fc(x)\n"
            "        x = self.gelu(x)\n"
            "        x = self.c_proj(x)\n"
            "        x = self.dropout(x)\n"
            "        return x\n"
            "\n"
            "class Block(nn.Module):\n"
            "    def __init__(self, config):\n"
            "        super().__init__()\n"
            "        self.ln_1 = LayerNorm(config.n_embd, bias=config.bias)\n"
            "        self.attn = CausalSelfAttention(config)\n"
            "        self.ln_2 = LayerNorm(config.n_embd, bias=config.bias)\n"
            "        self.mlp = MLP(config)\n"
            "    def forward(self, x):\n"
            "        x = x + self.attn(self.ln_1(x))\n"
            "        x = x + self.mlp(self.ln_2(x))\n"
            "        return x\n"
            "\n"
            "@dataclass\n"
            "class GPTConfig:\n"
            "    block_size: int = 8\n"
            "    vocab_size: int = 16\n"
            "    n_layer: int = 2\n"
            "    n_head: int = 2\n"
            "    n_embd: int = 8\n"
            "    dropout: float = 0.0\n"
            "    bias: bool = True\n"
            "\n"
            "class GPT(nn.Module):\n"
            "    def __init__(self, config):\n"
            "        super().__init__()\n"
            "        assert config.vocab_size is not None\n"
            "        assert config.block_size is not None\n"
            "        self.config = config\n"
            "        self.transformer = nn.ModuleDict(dict(\n"
            "            wte = nn.Embedding(config.vocab_size, config.n_embd),\n"
            "            wpe = nn.Embedding(config.block_size, config.n_embd),\n"
            "            drop = nn.Dropout(config.dropout),\n"
            "            h = nn.ModuleList([Block(config) for _ in range(config.n_layer)]),\n"
            "            ln_f = LayerNorm(config.n_embd, bias=config.bias),\n"
            "        ))\n"
            "        self.lm_head = nn.Linear(config.n_embd, config.vocab_size, bias=False)\n"
            "        self.transformer.wte.weight = self.lm_head.weight\n"
            "        self.apply(self._init_weights)\n"
            "        for pn, p in self.named_parameters():\n"
            "            if pn.endswith('c_proj.weight'):\n"
            "                torch.nn.init.normal_(p, mean=0.0, std=0.02/math.sqrt(2 * config.n_layer))\n"
            '        print("number of parameters: %.2fM" % (self.get_num_params()/1e6,))\n'
            "    def get_num_params(self, non_embedding=True):\n"
            "        n_params = sum(p.numel() for p in self.parameters())\n"
            "        if non_embedding:\n"
            "            n_params -= self.transformer.wpe.weight.numel()\n"
            "        return n_params\n"
            "    def _init_weights(self, module):\n"
            "        if isinstance(module, nn.Linear):\n"
            "            torch.nn.init.normal_(module.weight, mean=0.0, std=0.02)\n"
            "            if module.bias is not None:\n"
            "                torch.nn.init.zeros_(module.bias)\n"
            "        elif isinstance(module, nn.Embedding):\n"
            "            torch.nn.init.normal_(module.weight, mean=0.0, std=0.02)\n"
            "    def forward(self, idx, targets=None):\n"
            "        device = idx.device\n"
            "        b, t = idx.size()\n"
            "        assert t <= self.config.block_size, \\\n"
            '            f"Cannot forward sequence of length {t}, " \\\n'
            '            f"block size is only {self.config.block_size}"\n'
            "        pos = torch.arange(0, t, dtype=torch.long, device=device)\n"
            "        tok_emb = self.transformer.wte(idx)\n"
            "        pos_emb = self.transformer.wpe(pos)\n"
            "        x = self.transformer.drop(tok_emb + pos_emb)\n"
            "        for block in self.transformer.h:\n"
            "            x = block(x)\n"
            "        x = self.transformer.ln_f(x)\n"
            "        if targets is not None:\n"
            "            logits = self.lm_head(x)\n"
            "            loss = F.cross_entropy(logits.view(-1, logits.size(-1)), targets.view(-1),\n"
            "                                   ignore_index=-1)\n"
            "        else:\n"
            "            logits = self.lm_head(x[:, [-1], :])\n"
            "            loss = None\n"
            "        return logits, loss\n"
            "\n"
            "torch.manual_seed(1337)\n"
            "model = GPT(GPTConfig())\n"
            "idx = torch.randint(0, 16, (2, 8))  # two sequences of 8 tokens\n"
            "targets = torch.roll(idx, -1, dims=1)  # each token's next one\n"
            "logits, loss = model(idx, targets)\n"
            "loss.backward()\n"
            'print(f"loss {loss.item():.4f}")\n'
        ),
        output="loss",
        explanation=(
            "Karpathy's nanoGPT as its model.py writes it: a @dataclass config, token and position "
            "embeddings, blocks of causal self-attention (F.scaled_dot_product_attention, whose math "
            "PyTorch runs as nodes: scale, bmm, softmax, bmm) and an MLP, each behind a LayerNorm "
            "with a residual path, and an output layer tied to the token embedding. The graph is "
            "drawn as boxes per module and loop turn: open model.transformer.h.1.attn to step through "
            "one attention's backward; the residual adds send the same gradient down both paths, "
            "and the tied weight's two contributions (the output layer's and the token lookup's) meet "
            "in model.transformer.wte.weight's accumulator."
        ),
    ),
    Example(
        id="lecture-fit-autograd",
        section="§8 Polynomial regression",
        title="Fitting a + bx + cx² by autograd: 4000 iterations",
        source=(
            "import torch\n"
            "\n"
            "torch.manual_seed(0)\n"
            "x = torch.rand(100) * 2\n"
            "y = x + 2 * (x - 0.9) ** 2 + 0.3 * torch.cos(20 * x) + 0.1 * torch.randn(100)\n"
            "\n"
            "torch.manual_seed(1)\n"
            "a = torch.randn((), requires_grad=True)\n"
            "b = torch.randn((), requires_grad=True)\n"
            "c = torch.randn((), requires_grad=True)\n"
            "learning_rate = 1e-2\n"
            "for k in range(4000):\n"
            "    y_pred = a + b * x + c * x**2\n"
            "    loss = (y_pred - y).pow(2).mean()\n"
            "    if k % 500 == 0:\n"
            '        print(f"Iteration {k:4d} | Loss: {loss:.4f}")\n'
            "    loss.backward()\n"
            "    with torch.no_grad():\n"
            "        a -= learning_rate * a.grad\n"
            "        b -= learning_rate * b.grad\n"
            "        c -= learning_rate * c.grad\n"
            "        a.grad = None\n"
            "        b.grad = None\n"
            "        c.grad = None\n"
            'print(f"Result: y = {a.item():.4f} + {b.item():.4f} x + {c.item():.4f} x^2")\n'
        ),
        explanation=(
            "The lecture's gradient descent on the noisy quadratic: each iteration builds the graph "
            "of the mean squared error, backward() fills a.grad, b.grad and c.grad, and the update "
            "runs under no_grad with the gradients reset to None. The loss plot shows all 4000 "
            "iterations; the graph is the last one's, and any iteration can be opened step by step. "
            "Try learning rates 1e-1 and 1 (which diverges to nan) and compare a, b, c with the "
            "closed form of the normal equations."
        ),
    ),
    Example(
        id="lecture-vanishing",
        section="§12 Vanishing gradients",
        title="A deep sigmoid network: the first layers barely learn",
        source=(
            "import torch\n"
            "import torch.nn as nn\n"
            "\n"
            "torch.manual_seed(0)\n"
            "\n"
            "# A deep network with sigmoid activations: 8 hidden layers of 16 units each\n"
            "layers = []\n"
            "for i in range(8):\n"
            "    layers.append(nn.Linear(16, 16))\n"
            "    layers.append(nn.Sigmoid())\n"
            "model = nn.Sequential(*layers, nn.Linear(16, 1))\n"
            "\n"
            "X = torch.randn(64, 16)\n"
            "y = (X.sum(dim=1, keepdim=True) > 0).float()\n"
            "criterion = nn.BCEWithLogitsLoss()\n"
            "loss = criterion(model(X), y)\n"
            "loss.backward()\n"
            "\n"
            "# The gradient reaching the first layer is orders of magnitude smaller than at the last\n"
            "for name, param in model.named_parameters():\n"
            '    if name.endswith("weight"):\n'
            '        print(f"{name:9s} |grad| = {param.grad.norm():.2e}")\n'
        ),
        output="loss",
        explanation=(
            "Nine Linear layers with sigmoids between them. Each sigmoid's local gradient is at most "
            "¼, so the gradient shrinks layer by layer on its way back: the first layer's weights "
            "get about 10⁻⁸, the last about 0.2. Tick “colour by |grad|” to see it on the graph and "
            "open the ‖∇‖ tab for the norms per module on a log scale; then swap nn.Sigmoid for nn.ReLU or "
            "nn.Tanh and run again."
        ),
    ),
)


def list_examples() -> list[dict[str, Any]]:
    """Every example as plain data for the API."""
    return [asdict(e) for e in EXAMPLES]


def get_example(example_id: str) -> Example:
    """One example by id."""
    for e in EXAMPLES:
        if e.id == example_id:
            return e
    raise NotFound(f"no example named {example_id!r}; see GET /api/examples")
