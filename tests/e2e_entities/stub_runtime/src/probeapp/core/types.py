"""Annotated types shared by schemas."""

import datetime
from typing import Annotated

from pydantic import AfterValidator, AnyUrl, EmailStr, PlainSerializer


def _utc(v: datetime.datetime) -> datetime.datetime:
    if v.tzinfo is None:
        return v.replace(tzinfo=datetime.UTC)
    return v.astimezone(datetime.UTC)


UtcDateTime = Annotated[datetime.datetime, AfterValidator(_utc)]
Email = EmailStr
Url = Annotated[AnyUrl, PlainSerializer(str, return_type=str)]
