from fastapi.testclient import TestClient


def test_language_lists_the_allow_list(client: TestClient) -> None:
    body = client.get("/api/language").json()
    names = {f["name"] for f in body["functions"]}
    assert {"torch.sin", "torch.tensor", "F.mse_loss", "torch.autograd.grad"} <= names
    assert not {"eval", "exec", "getattr", "open", "torch.load", "__import__"} & names
    assert any(m["name"] == "x.backward()" for m in body["methods"])
