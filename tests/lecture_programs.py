"""Programs in the lecture's style that several test folders run (API, browser)."""

from __future__ import annotations

# Layer widths of the 20-layer MLP: all different from their neighbours, small enough (at most 8x8)
# that every weight and gradient is sent whole, while the 16x6 batch is sent as a summary.
WIDTHS = [6, 8, 5, 7, 4, 8, 6, 5, 7, 8, 4, 6, 7, 5, 8, 6, 4, 7, 5, 8, 1]


def _mlp20() -> str:
    layers = len(WIDTHS) - 1
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
        f"X_train = torch.randn(16, {WIDTHS[0]})",
        "y_train = torch.rand(16).round()",
        "loss = criterion(model(X_train).squeeze(), y_train)",
        "loss.backward()",
        'print(f"loss = {loss.item():.4f}")',
    ]
    return "\n".join(lines) + "\n"


MLP20 = _mlp20()
