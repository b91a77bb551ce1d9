"""A look at the start of a multipart body: a text field before the files is found; a file first, the
end, or a malformed part decide "not there"; a head cut short asks for more."""

import pytest

from civic311.lib.multipart import boundary_of, field_before_files

BODY = (
    b'--B\r\nContent-Disposition: form-data; name="service_code"\r\n\r\nPHF\r\n'
    b'--B\r\nContent-Disposition: form-data; name="api_key"\r\n\r\nc311_abc\r\n'
    b'--B\r\nContent-Disposition: form-data; name="media"; filename="a.jpg"\r\n'
    b"Content-Type: image/jpeg\r\n\r\n\xff\xd8\xff\r\n--B--\r\n"
)


def test_the_boundary_is_read_from_the_content_type():
    assert boundary_of('multipart/form-data; boundary="B"') == b"B"
    assert boundary_of("multipart/form-data; charset=utf-8; boundary=abc") == b"abc"
    assert boundary_of("application/x-www-form-urlencoded") is None
    assert boundary_of("multipart/form-data") is None
    assert boundary_of("multipart/form-data; boundary=" + "x" * 71) is None


def test_a_field_before_the_files_is_found():
    assert field_before_files(BODY, b"B", "api_key") == (True, "c311_abc")


def test_a_field_after_the_files_is_not_looked_for():
    files_first = BODY.replace(b'name="api_key"', b'name="other"') + b""
    assert field_before_files(files_first, b"B", "api_key") == (True, None)


def test_the_end_of_the_body_decides():
    assert field_before_files(
        b'--B\r\nContent-Disposition: form-data; name="x"\r\n\r\n1\r\n--B--\r\n', b"B", "api_key"
    ) == (True, None)


@pytest.mark.parametrize("cut", [5, 40, 60, 90, 120])
def test_a_head_cut_short_asks_for_more(cut):
    decided, value = field_before_files(BODY[:cut], b"B", "api_key")
    assert (decided, value) in ((False, None), (True, "c311_abc"))
    if cut < BODY.index(b"c311_abc"):
        assert not decided


def test_a_file_part_whose_content_has_not_arrived_decides():
    head = BODY.replace(b'name="api_key"', b'name="other"')[: BODY.index(b"\xff")]
    assert field_before_files(head, b"B", "api_key") == (True, None)
