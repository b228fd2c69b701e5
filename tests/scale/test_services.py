"""The test servers clean up after themselves: a PostgreSQL cluster is ~40 MB outside pytest's temp dir."""

from __future__ import annotations

from tests.services import PostgresServer


def test_a_discarded_postgres_cluster_leaves_no_folder_behind() -> None:
    server = PostgresServer.started()
    assert (server.folder / "pgdata" / "PG_VERSION").is_file()  # initdb ran there
    server.discard()
    assert server.process is not None and server.process.poll() is not None
    assert not server.folder.exists()
