from fastapi.testclient import TestClient


def test_language_lists_the_allow_list(client: TestClient) -> None:
    body = client.get("/api/language").json()
    names = {f["name"] for f in body["functions"]}
    assert {"torch.sin", "torch.tensor", "F.mse_loss", "torch.autograd.grad"} <= names
    assert not {"eval", "exec", "getattr", "open", "torch.load", "__import__"} & names
    assert any(m["name"] == "x.backward()" for m in body["methods"])


def test_language_lists_the_operations_that_grow(client: TestClient) -> None:
    # the language page (frontend/language.html) shows what this answer lists
    body = client.get("/api/language").json()
    functions = {f["name"] for f in body["functions"]}
    methods = {m["name"] for m in body["methods"]}
    both = ("index_select", "repeat_interleave", "diag", "nonzero")
    assert {"torch.einsum", *(f"torch.{name}" for name in both)} <= functions
    assert {
        f"x.{name}()" for name in (*both, "unfold", "new_zeros", "new_ones", "new_full", "new_tensor")
    } <= methods
    assert "x.new_empty()" not in methods
