def test_the_home_page_points_to_the_api_and_counts_open_requests(client, city):
    from tests.factories import file_request

    file_request(city.pothole)
    response = client.get("/")
    assert response.status_code == 200
    assert b"Springfield 311" in response.content and b"1 open request," in response.content
    assert b"/open311/v2/" in response.content


def test_the_home_page_says_how_to_begin_without_a_city(client, db):
    assert b"civic311 init --sample-city" in client.get("/").content
