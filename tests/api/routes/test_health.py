from fastapi.testclient import TestClient


def test_health_reports_ok_and_torch_version(client: TestClient) -> None:
    response = client.get("/api/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["torch"].startswith("2.13.0")
