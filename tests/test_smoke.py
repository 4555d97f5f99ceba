def test_thing_uri_redirects_to_its_document(client):
    response = client.get("/id/project/thilik")
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/doc/project/thilik")
