"""The README's example POST works against the sample city's catalog."""

import shlex
from pathlib import Path

import pytest

from civic311.accounts.models import ApiKey
from civic311.management import samplecity

README = Path(__file__).resolve().parent.parent / "README.md"


@pytest.mark.django_db
def test_the_readme_example_post_files_a_request(client):
    samplecity.load(with_requests=False)
    _, key = ApiKey.create("readme")
    block = README.read_text().split("curl -X POST", 1)[1].split("```", 1)[0].replace("\\\n", " ")
    words = shlex.split(block)
    form = dict(words[n + 1].split("=", 1) for n, word in enumerate(words) if word == "-d")
    form["api_key"] = key
    response = client.post("/open311/v2/requests.json", form)
    assert response.status_code == 200, response.content


def test_the_readme_lists_every_column_of_the_exports():
    from civic311.servicerequests.records import COLUMNS, DISTRICT_COLUMN

    text = README.read_text()
    for column in (*COLUMNS, DISTRICT_COLUMN):
        assert f"| `{column.name}` | {column.type} | {column.description} |" in text, column.name
