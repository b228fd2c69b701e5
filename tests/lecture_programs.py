"""Programs in the lecture's style that several test folders run (API, browser)."""

from __future__ import annotations

# Layer widths of the 20-layer MLP: all different from their neighbours, small enough (at most 8x8)
# that every weight and gradient is sent whole, while the 16x6 batch is sent as a summary.
WIDTHS = [6, 8, 5, 7, 4, 8, 6, 5, 7, 8, 4, 6, 7, 5, 8, 6, 4, 7, 5, 8, 1]
OPS_PER_BATCH = 63  # graph nodes one batch of mlp20_program adds


def mlp20_of_size(nodes: int) -> str:
    """mlp20_program over enough batches for about `nodes` graph nodes (the benches' `lecture` graph:
    317 batches, 20,011 nodes, at 20,000)."""
    return mlp20_program(max(1, round(nodes / OPS_PER_BATCH)))


def mlp20_program(batches: int = 1) -> str:
    """The 20-layer MLP on one batch of 16, or its loss summed over `batches` batches of 16 in a loop
    (one graph of about 63 operations a batch: issue 11's 20,000-node MLP in the lecture's style)."""
    layers = len(WIDTHS) - 1
    if batches == 1:
        data = [
            f"X_train = torch.randn(16, {WIDTHS[0]})",
            "y_train = torch.rand(16).round()",
            "loss = criterion(model(X_train).squeeze(), y_train)",
        ]
    else:
        data = [
            f"X_train = torch.randn({batches}, 16, {WIDTHS[0]})",
            f"y_train = torch.rand({batches}, 16).round()",
            "loss = 0",
            f"for i in range({batches}):",
            "    loss = loss + criterion(model(X_train[i]).squeeze(), y_train[i])",
        ]
    lines = [
        "import torch",
        "torch.manual_seed(0)",
        "",
        "class DeepNN(torch.nn.Module):",
        "    def __init__(self):",
        "        super().__init__()",
        *(
            f"        self.fc{k} = torch.nn.Linear({WIDTHS[k - 1]}, {WIDTHS[k]})"
            for k in range(1, layers + 1)
        ),
        "",
        "    def forward(self, x):",
        *(f"        x = torch.relu(self.fc{k}(x))" for k in range(1, layers)),
        f"        return torch.sigmoid(self.fc{layers}(x))",
        "",
        "model = DeepNN()",
        "criterion = torch.nn.BCELoss()",
        *data,
        "loss.backward()",
        'print(f"loss = {loss.item():.4f}")',
    ]
    return "\n".join(lines) + "\n"


MLP20 = mlp20_program()


def simple_nn_update_without_no_grad() -> str:
    """§6's SimpleNN loop (the examples menu's) with its `with torch.no_grad():` left out, as a student
    first writes it: PyTorch refuses `param -= alpha * param.grad` inside train_model."""
    from autograd_explorer.examples import get_example

    source = get_example("lecture-simple-nn").source.replace(
        "        with torch.no_grad():\n            for param in model.parameters():\n"
        "                param -= alpha * param.grad\n                param.grad.zero_()\n",
        "        for param in model.parameters():\n            param -= alpha * param.grad\n"
        "            param.grad.zero_()\n",
    )
    assert "no_grad" not in source
    return source
