import datetime

from ninja import Field

from frontline.core.apikit import BodySchema, Out, PageMeta, name_text


class WorkItemOut(Out):
    source: str = Field(description="Where the item comes from: 'alert' for the inbox, or another app's source.")
    id: int = Field(description="The item's id in its source (an alert's id for /ack and /resolve).")
    kind: str
    label: str = Field(description="The kind, in the request's language.")
    message: str = Field(description="What waits, in the request's language.")
    severity: str = Field(description="info, warning, urgent or emergency.")
    area: str = Field(description="The name of the item's area.")
    created_at: datetime.datetime
    due: datetime.datetime | None = None
    url: str = Field(description="The page that opens the record; empty when there is none or it was removed.")
    record_removed: bool = Field(description="The record the item pointed to was deleted.")
    acknowledged: bool
    actions: list[str] = Field(description="What the caller may do: 'ack', 'resolve'.")


class KindCountOut(Out):
    kind: str
    label: str
    count: int


class WorkPage(PageMeta):
    items: list[WorkItemOut]
    counts: list[KindCountOut] = Field(description="Open items by kind, in the same area filter (not the kind filter).")
    total: int = Field(description="All open items in the area filter.")
    badge: int = Field(description="Items nobody has acknowledged yet: the navigation's count.")


class ResolveIn(BodySchema):
    reason: name_text(300) = Field(description="How it was settled (required, at least one visible character).")


class WorkActionOut(Out):
    id: int
    acknowledged: bool
    resolved: bool
