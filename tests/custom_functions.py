"""PyTorch's tutorial `Exp` (a custom torch.autograd.Function) as the tests run it: one class, its
backward's body and what comes before it chosen by each test (lines count: tests assert positions)."""

from __future__ import annotations

EXP_BACKWARD = "return grad_output * result"


def exp_class(backward: str = EXP_BACKWARD, before: str = "import torch\n\n\n") -> str:
    """`before`, then the class Exp whose backward runs `backward` (lines, indented here)."""
    body = "".join(f"        {line}\n" for line in backward.splitlines())
    return (
        f"{before}class Exp(torch.autograd.Function):\n"
        "    @staticmethod\n"
        "    def forward(ctx, i):\n"
        "        result = i.exp()\n"
        "        ctx.save_for_backward(result)\n"
        "        return result\n"
        "\n"
        "    @staticmethod\n"
        "    def backward(ctx, grad_output):\n"
        "        result, = ctx.saved_tensors\n"
        f"{body}"
    )


def legendre_class(before: str = "import torch\n\n\n") -> str:
    """`before`, then the tutorial's LegendrePolynomial3: P3(x) = ½(5x³ − 3x), P3′(x) = 1.5(5x² − 1)."""
    return (
        f"{before}class LegendrePolynomial3(torch.autograd.Function):\n"
        "    @staticmethod\n"
        "    def forward(ctx, input):\n"
        "        ctx.save_for_backward(input)\n"
        "        return 0.5 * (5 * input ** 3 - 3 * input)\n"
        "\n"
        "    @staticmethod\n"
        "    def backward(ctx, grad_output):\n"
        "        input, = ctx.saved_tensors\n"
        "        return grad_output * 1.5 * (5 * input ** 2 - 1)\n"
    )


# A custom Function whose forward runs `{body}` (x its input, ctx PyTorch's graph node), applied once:
# the hostile corpora's way to reach what a program can do with a ctx.
FORWARD_RUNS = (
    "class Fn(torch.autograd.Function):\n"
    "    @staticmethod\n"
    "    def forward(ctx, x):\n"
    "        {body}\n"
    "        return x * 2\n"
    "    @staticmethod\n"
    "    def backward(ctx, g):\n"
    "        return g\n"
    "y = Fn.apply(torch.ones(1, requires_grad=True))"
)
