import pytest

from civic311.notify.models import AreaAlert, EmailBounce, SurveyResponse
from tests.factories import file_request


@pytest.mark.parametrize("model", [AreaAlert, SurveyResponse, EmailBounce])
def test_administrators_see_alerts_survey_answers_and_bounces(admin_client, city, model):
    request = file_request(city.pothole)
    if model is AreaAlert:
        AreaAlert.objects.create(
            jurisdiction=city.jurisdiction, email="ann@example.org", district=city.wards[0]
        )
    elif model is SurveyResponse:
        SurveyResponse.objects.create(request=request, score=4, comment="Quick fix, thanks")
    else:
        EmailBounce.objects.create(email="gone@example.org", error="550 no such user")
    opts = model._meta
    response = admin_client.get(f"/admin/{opts.app_label}/{opts.model_name}/")
    assert response.status_code == 200
    assert model.objects.count() == 1
    shown = request.service_request_id if model is SurveyResponse else str(model.objects.get())
    assert shown in response.content.decode()


def test_survey_answers_cannot_be_edited_or_invented_in_the_admin(admin_client, city):
    answer = SurveyResponse.objects.create(request=file_request(city.pothole), score=2)
    assert admin_client.get("/admin/notify/surveyresponse/add/").status_code == 403
    admin_client.post(f"/admin/notify/surveyresponse/{answer.pk}/change/", {"score": 5})
    answer.refresh_from_db()
    assert answer.score == 2
