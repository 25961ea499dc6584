"""Demo proposals carry the forum's themes that fit them (issue 10, defect 6): proposals about
care services were all filed under "Gender-based violence"."""

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlmodel import Session, col

from app.demo import load
from app.models.contributions import Contribution, ContributionTheme
from app.models.forums import Theme


def test_each_demo_proposal_is_filed_under_fitting_themes(client: TestClient, db: Session) -> None:
    load(db)
    rows = db.execute(
        select(col(Contribution.title), col(Theme.code))
        .join(ContributionTheme, col(ContributionTheme.contribution_id) == col(Contribution.id))
        .join(Theme, col(Theme.id) == col(ContributionTheme.theme_id))
        .where(col(Contribution.kind) == "proposal")
    ).all()
    themes: dict[str, set[str]] = {}
    for title, code in rows:
        themes.setdefault(title, set()).add(code)
    assert themes == {
        "Centros comunitarios de cuidado en cada barrio": {"4", "B"},
        "Creches públicas perto do transporte": {"4"},
        "Accessible information on every care service": {"1", "4"},
        "Consejo de juventudes cuidadoras": {"A"},
        # Sent to the 2022 process (policy_review_text.py), under that forum's themes.
        "Count unpaid care in the city budget": {"1"},
        "Ley marco local de cuidados": {"1", "3"},
        "Transporte acessível até os serviços de cuidado": {"1"},
        "Young carers need time to study": {"1"},
        "Indicadores de impacto con las personas cuidadoras": {"1", "3"},
    }
