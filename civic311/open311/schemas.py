"""The GeoReport v2 documents, as typed schemas: one definition feeds JSON, XML and the OpenAPI document.

The request itself, its notes and updates are the domain's public representation
(servicerequests/public.py), shared with webhooks and live pushes; this module holds what only the API says.
"""

from typing import Literal

from pydantic import BaseModel

from civic311.catalog.models import Service, ServiceAttribute

SPECIFICATION_URL = "http://wiki.open311.org/GeoReport_v2"

# Plain pydantic models, not ninja.Schema: ninja's Schema re-reads nested models attribute by
# attribute, which marks every field as set and defeats exclude_unset (see render._plain).


class Error(BaseModel):
    code: int
    description: str


class Endpoint(BaseModel):
    specification: str
    url: str
    changeset: str
    type: Literal["production", "test"]
    formats: list[str]


class Discovery(BaseModel):
    changeset: str
    contact: str
    key_service: str
    endpoints: list[Endpoint]


class ServiceOut(BaseModel):
    service_code: str
    service_name: str
    description: str
    metadata: bool
    type: Literal["realtime", "batch", "blackbox"]
    keywords: str
    group: str

    @classmethod
    def build(cls, service: Service, has_attributes: bool) -> "ServiceOut":
        return cls(
            service_code=service.service_code,
            service_name=service.service_name,
            description=service.description,
            metadata=has_attributes,
            type=service.type,
            keywords=", ".join(service.keyword_list),
            group=service.group,
        )


class AttributeValueOut(BaseModel):
    key: str
    name: str


class AttributeOut(BaseModel):
    variable: bool
    code: str
    datatype: str
    required: bool
    datatype_description: str | None
    order: int
    description: str
    values: list[AttributeValueOut] | None = None  # only for the list datatypes

    @classmethod
    def build(cls, attribute: ServiceAttribute) -> "AttributeOut":
        out = cls(
            variable=attribute.variable,
            code=attribute.code,
            datatype=attribute.datatype,
            required=attribute.required,
            datatype_description=attribute.datatype_description or None,
            order=attribute.order,
            description=attribute.description,
        )
        if attribute.has_values:  # left unset otherwise, so the key is absent (render drops unset fields)
            out.values = [AttributeValueOut(key=v.key, name=v.name) for v in attribute.values.all()]
        return out


class ServiceDefinition(BaseModel):
    service_code: str
    attributes: list[AttributeOut]


class PostRequestOut(BaseModel):
    """Realtime services answer with the number, batch ones with a token, blackbox ones with neither."""

    service_request_id: str | None = None
    token: str | None = None
    service_notice: str | None
    account_id: str | None


class TokenOut(BaseModel):
    token: str
    service_request_id: str | None


class UpdatePostedOut(BaseModel):
    update_id: str
