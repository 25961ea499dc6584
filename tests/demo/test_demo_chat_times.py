"""The 2022 Town Hall's chat keeps the afternoon it was typed in: its remarks at 15:20 to 15:56
Madrid time on 2022-02-01, in a live window from 15:00 to 17:00 that day."""

from datetime import datetime
from zoneinfo import ZoneInfo

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlmodel import Session, col

from app.demo import load
from app.models.contributions import Channel, Contribution, LiveWindow

MADRID = ZoneInfo("Europe/Madrid")


def test_the_chat_remarks_keep_their_2022_times(client: TestClient, db: Session) -> None:
    load(db)
    remarks = list(
        db.execute(
            select(Contribution)
            .where(col(Contribution.channel) == Channel.live, col(Contribution.session_id) == 2)
            .order_by(col(Contribution.id))
        ).scalars()
    )
    assert [r.created_at.astimezone(MADRID).strftime("%Y-%m-%d %H:%M") for r in remarks] == [
        "2022-02-01 15:20",
        "2022-02-01 15:29",
        "2022-02-01 15:38",
        "2022-02-01 15:47",
        "2022-02-01 15:56",
    ]
    window = db.get(LiveWindow, remarks[0].session_id)
    assert window is not None
    assert not window.is_open
    assert window.opened_at.astimezone(MADRID) == datetime(2022, 2, 1, 15, 0, tzinfo=MADRID)
    assert window.closed_at is not None
    assert window.closed_at.astimezone(MADRID) == datetime(2022, 2, 1, 17, 0, tzinfo=MADRID)
