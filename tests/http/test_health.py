from webapp.db import Database


def test_healthz_ok(web):
    response = web.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert response.headers["cache-control"] == "no-store"


def test_healthz_503_when_database_does_not_answer(web):
    healthy = web.ctx.db
    # A database that cannot be reached: a PostgreSQL port nothing listens on.
    broken = Database("postgresql+asyncpg://nobody@127.0.0.1:1/none")
    object.__setattr__(web.ctx, "db", broken)
    try:
        response = web.get("/healthz")
    finally:
        object.__setattr__(web.ctx, "db", healthy)
        web.run(broken.dispose)
    assert response.status_code == 503
    assert response.json()["status"] == "unavailable"
    assert web.get("/healthz").status_code == 200


def test_first_response_has_one_content_length(web):
    """The CSRF cookie set on a first visit adds only a Set-Cookie header."""
    web.client.cookies.clear()
    response = web.get("/login", headers={"Accept-Encoding": "identity"})
    lengths = response.headers.get_list("content-length")
    assert len(lengths) <= 1, lengths  # a second "content-length: 0" once emptied every body
    assert "samspel_csrf" in response.headers["set-cookie"]
    # Only pages carry forms: JSON (and feeds) come without the cookie.
    web.client.cookies.clear()
    response = web.get("/healthz", headers={"Accept-Encoding": "identity"})
    assert response.json() == {"status": "ok"}
    assert "set-cookie" not in response.headers
