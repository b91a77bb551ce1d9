"""The closure survey: one question (1 to 5) and an optional comment, opened from the closure email's
signed link; one answer per follower, answering again updates it; bad scores, long or hostile comments,
forged and expired tokens are refused with a clear message and store nothing."""

import re

import pytest

from civic311.notify.email import tokens
from civic311.notify.models import SurveyResponse
from civic311.servicerequests import actions
from civic311.servicerequests.choices import Status
from civic311.servicerequests.intake import Contact
from tests.factories import file_request
from tests.notify.test_email_updates import STAFF, deliver, html_of
from tests.notify.test_unsubscribe import old_token
from tests.smtp import smtp_server  # noqa: F401  (the fixture)


@pytest.fixture
def inbox(smtp_server):  # noqa: F811
    return smtp_server


@pytest.fixture
def follower(city):
    request = file_request(city.pothole)
    actions.change_status(request, Status.FIXED, STAFF)
    return request.followers.get()


def path_for(follower) -> str:
    return f"/notify/survey/{tokens.survey_token(follower.pk)}"


def test_the_closure_email_links_to_the_survey_which_stores_the_answer(city, client, inbox):
    request = file_request(city.pothole, contact=Contact(email="ana@example.org", language="es"))
    deliver(actions.change_status(request, Status.FIXED, STAFF))
    message = inbox.wait_for_message()
    link = re.search(r'href="http://testserver(/notify/survey/[^"?]+)\?score=4"', html_of(message)).group(1)
    page = client.get(f"{link}?score=4")
    assert page.status_code == 200
    assert 'id="score-4" value="4" checked' in page.text
    assert SurveyResponse.objects.count() == 0  # opening the link stores nothing
    done = client.post(link, {"score": "4", "comment": "Quick work, thanks"})
    assert done.status_code == 200
    assert "was saved" in done.text
    answer = SurveyResponse.objects.get()
    assert (answer.request, answer.score, answer.comment, answer.language) == (
        request,
        4,
        "Quick work, thanks",
        "es",
    )


def test_answering_again_updates_the_one_answer(follower, client):
    client.post(path_for(follower), {"score": "2", "comment": "Slow"})
    again = client.post(path_for(follower), {"score": "5", "comment": ""})
    assert again.status_code == 200
    assert "was updated" in again.text
    answer = SurveyResponse.objects.get()
    assert (answer.score, answer.comment) == (5, "")
    assert answer.updated_at >= answer.created_at
    page = client.get(path_for(follower))
    assert "You already answered" in page.text
    assert 'id="score-5" value="5" checked' in page.text


def test_each_follower_answers_for_themselves(follower, client):
    other = actions.add_follower(follower.request, STAFF, email="bob@example.net", reason="me_too")
    client.post(path_for(follower), {"score": "1"})
    client.post(path_for(other), {"score": "5"})
    assert sorted(SurveyResponse.objects.values_list("score", flat=True)) == [1, 5]


@pytest.mark.parametrize("score", ["", "0", "6", "-1", "abc", "4.5", "٣", "1" * 50, "5 OR 1=1"])
def test_a_bad_score_is_refused_and_nothing_is_stored(follower, client, score):
    response = client.post(path_for(follower), {"score": score, "comment": "hi"})
    assert response.status_code == 400
    assert 'role="alert"' in response.text
    assert "1 to 5" in response.text
    assert 'aria-describedby="survey-about score-error"' in response.text
    assert SurveyResponse.objects.count() == 0


def test_a_comment_too_long_is_refused(follower, client):
    response = client.post(path_for(follower), {"score": "3", "comment": "x" * 2001})
    assert response.status_code == 400
    assert "2001 characters long; at most 2000" in response.text
    assert SurveyResponse.objects.count() == 0


def test_a_comment_with_control_characters_is_refused(follower, client):
    response = client.post(path_for(follower), {"score": "3", "comment": "bad\x00byte"})
    assert response.status_code == 400
    assert "not allowed" in response.text
    assert SurveyResponse.objects.count() == 0


def test_a_hostile_comment_is_stored_as_text_and_shown_escaped(follower, client):
    client.post(path_for(follower), {"score": "3", "comment": "<script>alert(1)</script>"})
    page = client.get(path_for(follower))
    assert "<script>alert(1)</script>" not in page.text
    assert "&lt;script&gt;" in page.text


def test_a_forged_token_is_refused(follower, client):
    token = tokens.survey_token(follower.pk)
    forged = token[:-2] + "zz"
    for method in (client.get, client.post):
        response = method(f"/notify/survey/{forged}", {"score": "5"})
        assert response.status_code == 400
        assert "This link is not valid" in response.text
    assert SurveyResponse.objects.count() == 0


def test_an_unsubscribe_token_is_not_a_survey_token(follower, client):
    response = client.post(f"/notify/survey/{tokens.unsubscribe_token('f', follower.pk)}", {"score": "5"})
    assert response.status_code == 400
    assert SurveyResponse.objects.count() == 0


def test_an_expired_survey_link_says_so(follower, client):
    token = old_token(tokens.SURVEY_SALT, follower.pk, tokens.SURVEY_MAX_AGE + 60)
    response = client.post(f"/notify/survey/{token}", {"score": "5"})
    assert response.status_code == 400
    assert "This link has expired" in response.text
    assert SurveyResponse.objects.count() == 0


def test_the_survey_page_labels_every_control(follower, client):
    page = client.get(path_for(follower)).text
    for n in range(1, 6):
        assert f'<label for="score-{n}">' in page
    assert '<label for="comment">' in page
    assert "<legend>How satisfied are you with how we handled it?</legend>" in page
